"""The `tradeinfra` command line: parse arguments, call a library function,
render its result, choose the exit code.

Exit codes: 0 all good; 1 bad input or usage; 2 a check found something;
3 a deployment failed and was rolled back.
"""

from __future__ import annotations

import io
import json
import signal
import sys
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tradeinfra.config.loader import ConfigError, PlatformConfig, load_platform
from tradeinfra.config.schema import render_schema
from tradeinfra.config.views import environment_matrix, resolved_values
from tradeinfra.config.yaml_source import Location
from tradeinfra.errors import CheckFailedError, TradeinfraError
from tradeinfra.files import check_output_directory, check_output_file, write_text_atomically
from tradeinfra.interruption import Interrupted, stop_signals_interrupt

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_FINDINGS = 2
EXIT_ROLLED_BACK = 3

app = typer.Typer(
    name="tradeinfra",
    help="Multi-environment infrastructure for the trading platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Validate and inspect the environment configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")

# Piped output (CI logs, files) is never wrapped or cut to rich's default 80
# columns: tables take their natural width, so file paths survive intact.
PIPED_WIDTH = 4000
out = Console(highlight=False, width=None if sys.stdout.isatty() else PIPED_WIDTH)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else PIPED_WIDTH)


class TextOrJson(StrEnum):
    text = "text"
    json = "json"


def _output_file(value: Path | None) -> Path | None:
    """An --output path, checked before any work."""
    if value is not None:
        check_output_file(value, "--output")
    return value


def _state_directory(value: Path) -> Path:
    check_output_directory(value, "--state-dir", marker=None)
    return value


OutputFile = Annotated[
    Path | None, typer.Option("--output", help="Write the report to this file.", callback=_output_file)
]
ConfigDir = Annotated[Path, typer.Option("--config-dir", help="Configuration directory.", show_default=True)]
EnvOption = Annotated[str | None, typer.Option("--env", help="Environment name, e.g. prod.")]
FormatOption = Annotated[TextOrJson, typer.Option("--format", help="Output format.")]


def _load(config_dir: Path, env: str | None = None) -> PlatformConfig:
    platform = load_platform(config_dir)
    if env is not None:
        platform.environment(env)  # unknown names fail here, with the list of known ones
    return platform


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


@config_app.command("validate")
def config_validate(
    config_dir: ConfigDir = Path("config"),
    env: EnvOption = None,
    output_format: FormatOption = TextOrJson.text,
) -> None:
    """Check every file; exit 0 when valid, 1 with every problem found."""
    try:
        platform = _load(config_dir, env)
    except ConfigError as exc:
        if output_format is TextOrJson.json:
            _print_json(
                {
                    "valid": False,
                    "issues": [
                        {
                            "file": str(i.location.file),
                            "line": i.location.line,
                            "path": i.path,
                            "message": i.message,
                            "environments": list(i.environments),
                        }
                        for i in exc.issues
                    ],
                }
            )
            raise typer.Exit(EXIT_BAD_INPUT) from None
        raise
    names = [env] if env else platform.names
    if output_format is TextOrJson.json:
        _print_json({"valid": True, "environments": names, "variations": sorted(platform.variations)})
        return
    out.print(
        f"[green]✓[/] {config_dir} is valid: environments {', '.join(names)}; "
        f"{len(platform.variations)} declared variations"
    )


@config_app.command("show")
def config_show(
    env: Annotated[str, typer.Option("--env", help="Environment name, e.g. prod.")],
    config_dir: ConfigDir = Path("config"),
    explain: Annotated[bool, typer.Option("--explain", help="Show the file and line of each value.")] = False,
    output_format: FormatOption = TextOrJson.text,
) -> None:
    """The resolved configuration of one environment."""
    platform = _load(config_dir, env)
    if output_format is TextOrJson.json:
        if explain:
            _print_json(
                {row.path: {"value": row.value, "source": str(row.source)} for row in resolved_values(platform, env)}
            )
        else:
            _print_json(platform.environment(env).model_dump(mode="json"))
        return
    table = Table(title=f"{env}: resolved configuration", title_justify="left")
    table.add_column("setting", style="cyan", no_wrap=True)
    # The value column folds so that setting and source are never cut short.
    table.add_column("value", overflow="fold")
    if explain:
        table.add_column("from", style="dim", no_wrap=True)
    for row in resolved_values(platform, env):
        cells = [row.path, _show(row.value)] + ([_shown_location(row.source)] if explain else [])
        table.add_row(*(Text(cell) for cell in cells))
    out.print(table)


def _shown_location(location: Location) -> str:
    """`file:line`, the file relative to the working directory when it lies below it."""
    try:
        shown = Location(location.file.resolve().relative_to(Path.cwd()), location.line)
    except ValueError:
        shown = location
    return str(shown)


@config_app.command("matrix")
def config_matrix(
    config_dir: ConfigDir = Path("config"),
    env: EnvOption = None,
    output_format: FormatOption = TextOrJson.text,
    varying_only: Annotated[bool, typer.Option("--varying-only", help="Only settings that differ.")] = False,
) -> None:
    """Every setting by environment; settings that differ are highlighted."""
    platform = _load(config_dir, env)
    rows = [row for row in environment_matrix(platform) if row.varies or not varying_only]
    names = [env] if env else platform.names
    if output_format is TextOrJson.json:
        _print_json(
            {
                "environments": names,
                "settings": [
                    {
                        "path": r.path,
                        "values": {n: r.values[n] for n in names},
                        "varies": r.varies,
                        "declared": r.declared,
                    }
                    for r in rows
                ],
            }
        )
        return
    table = Table(
        title="environment matrix",
        title_justify="left",
        caption="◆ declared variation   [yellow]yellow[/]: differs between environments",
        caption_justify="left",
    )
    table.add_column("setting", no_wrap=True)
    for name in names:
        table.add_column(name)
    for row in rows:
        style = "yellow" if row.varies else ""
        label = Text(("◆ " if row.declared else "  ") + row.path, style="bold yellow" if row.varies else "cyan")
        table.add_row(label, *[Text(_show(row.values[n]), style=style) for n in names])
    out.print(table)


@config_app.command("schema")
def config_schema(
    config_dir: ConfigDir = Path("config"),
    output: Annotated[
        Path | None,
        typer.Option("--output", help="Where to write; default <config-dir>/schema.json.", callback=_output_file),
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 2 if the file is out of date; write nothing.")] = False,
) -> None:
    """Write the JSON Schema the YAML files reference."""
    target = output or config_dir / "schema.json"
    rendered = render_schema()
    if check:
        current = target.read_text(encoding="utf-8") if target.is_file() else ""
        if current != rendered:
            _error(f"{target} is out of date: run 'tradeinfra config schema'")
            raise typer.Exit(EXIT_FINDINGS)
        out.print(f"[green]✓[/] {target} is up to date")
        return
    _write_atomically(target, rendered)  # never a half-written schema
    out.print(f"wrote {target}")


@app.command("synth")
def synth(
    env: Annotated[
        list[str] | None, typer.Option("--env", help="Environment to synthesize; repeat for several. Default: all.")
    ] = None,
    cdk_out: Annotated[Path, typer.Option("--cdk-out", help="Cloud assembly directory.")] = Path("cdk.out"),
    cdktf_out: Annotated[Path, typer.Option("--cdktf-out", help="Terraform output directory.")] = Path("cdktf.out"),
    tfvars_dir: Annotated[Path, typer.Option("--tfvars-dir", help="Where <env>.tfvars are written.")] = Path(
        "terraform"
    ),
    config_dir: ConfigDir = Path("config"),
) -> None:
    """Synthesize both apps offline: the CDK app (with cdk-nag) and the web tier
    (Terraform JSON plus terraform/<env>.tfvars)."""
    from tradeinfra.synth import synth_all

    platform = _load(config_dir)
    names = env or platform.names
    with err.status(f"synthesizing the CDK app ({', '.join(names)}) and the web tier..."):
        result = synth_all(platform, names, cdk_out, cdktf_out, tfvars_dir)
    out.print(f"[green]✓[/] wrote {result.cdk_out}: {len(result.cdk_stacks)} CloudFormation stacks")
    for name in result.cdk_stacks:
        out.print(f"  {name}")
    out.print(f"[green]✓[/] wrote {result.cdktf_out}: Terraform stacks {', '.join(result.terraform_stacks)}")
    out.print(f"[green]✓[/] wrote {', '.join(str(p) for p in result.tfvars)}")


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


@app.command("parity")
def parity(
    cdk_out: Annotated[Path, typer.Option("--cdk-out", help="Cloud assembly directory.")] = Path("cdk.out"),
    cdktf_out: Annotated[Path, typer.Option("--cdktf-out", help="Terraform output directory.")] = Path("cdktf.out"),
    tfvars_dir: Annotated[Path, typer.Option("--tfvars-dir", help="Directory of <env>.tfvars.")] = Path("terraform"),
    config_dir: ConfigDir = Path("config"),
    output_format: Annotated[ReportFormat, typer.Option("--format", help="Report format.")] = ReportFormat.text,
    output: OutputFile = None,
) -> None:
    """Prove the environments differ only where config/platform.yaml declares it.
    Exit 0 when consistent, 2 on findings."""
    from tradeinfra.parity.formatters import html, json_format, markdown, text
    from tradeinfra.parity.runner import run_parity

    platform = _load(config_dir)
    report = run_parity(platform, cdk_out, cdktf_out, tfvars_dir)
    matrix = environment_matrix(platform)
    if output_format is ReportFormat.text and output is None:
        out.print(text.render(report, matrix))
    else:
        rendered = {
            ReportFormat.json: lambda: json_format.render(report),
            ReportFormat.markdown: lambda: markdown.render(report, matrix),
            ReportFormat.html: lambda: html.render(report, matrix),
            ReportFormat.text: lambda: _plain(text.render(report, matrix)),
        }[output_format]()
        _emit(rendered, output)
    if not report.consistent:
        raise typer.Exit(EXIT_FINDINGS)


@app.command("access")
def access(
    env: Annotated[list[str] | None, typer.Option("--env", help="Only these environments (default: all).")] = None,
    cdk_out: Annotated[Path, typer.Option("--cdk-out", help="Cloud assembly directory.")] = Path("cdk.out"),
    cdktf_out: Annotated[Path, typer.Option("--cdktf-out", help="Terraform output directory.")] = Path("cdktf.out"),
    tfvars_dir: Annotated[Path, typer.Option("--tfvars-dir", help="Directory of <env>.tfvars.")] = Path("terraform"),
    config_dir: ConfigDir = Path("config"),
    output_format: Annotated[ReportFormat, typer.Option("--format", help="Report format.")] = ReportFormat.text,
    output: OutputFile = None,
    show_all: Annotated[bool, typer.Option("--all", help="Text: list the rules that hold too.")] = False,
) -> None:
    """Prove every workload can do its job and nothing more (config/access.yaml),
    with an IAM simulator over the synthesized output. Exit 0 when every
    contract holds, 2 on a broken one."""
    from tradeinfra.access import formatters
    from tradeinfra.access.gate import run_access

    platform = _load(config_dir)
    report = run_access(platform, config_dir, cdk_out, cdktf_out, tfvars_dir, env or None)
    rendered = {
        ReportFormat.text: lambda: formatters.render_text(report, show_all=show_all),
        ReportFormat.json: lambda: formatters.render_json(report),
        ReportFormat.markdown: lambda: formatters.render_markdown(report),
        ReportFormat.html: lambda: formatters.render_html(report),
    }[output_format]()
    _emit(rendered, output)
    if not report.ok:
        raise typer.Exit(EXIT_FINDINGS)


emulator_app = typer.Typer(help="The embedded local AWS (moto server on 127.0.0.1).", no_args_is_help=True)
app.add_typer(emulator_app, name="emulator")
PortOption = Annotated[int, typer.Option("--port", min=1024, max=65535, help="Port on 127.0.0.1.")]
StateDir = Annotated[
    Path,
    typer.Option(
        "--state-dir",
        help="Where the emulator's pid, port and log, and the deployment cache, are kept.",
        hidden=True,
        callback=_state_directory,
    ),
]


@emulator_app.command("start")
def emulator_start(port: PortOption = 4566, state_dir: StateDir = Path(".tradeinfra")) -> None:
    """Start the emulator in the background and wait until it answers."""
    from tradeinfra.emulator.process import Emulator

    with err.status(f"starting the emulator on port {port}..."):
        status = Emulator(state_dir).start(port)
    out.print(f"[green]✓[/] emulator running at {status.endpoint} (pid {status.pid}; log {status.log})")


@emulator_app.command("stop")
def emulator_stop(state_dir: StateDir = Path(".tradeinfra")) -> None:
    """Stop the emulator this project started (that process only)."""
    from tradeinfra.emulator.process import Emulator

    stopped = Emulator(state_dir).stop()
    out.print("[green]✓[/] emulator stopped" if stopped else "emulator was not running")


@emulator_app.command("status")
def emulator_status(
    port: PortOption = 4566, state_dir: StateDir = Path(".tradeinfra"), output_format: FormatOption = TextOrJson.text
) -> None:
    """Endpoint and health of the emulator; exit 2 when it is not running or does not answer."""
    from tradeinfra.emulator.process import Emulator

    status = Emulator(state_dir).status(port)
    if output_format is TextOrJson.json:
        _print_json(status.to_json())
    elif status.healthy:
        out.print(f"[green]●[/] running at {status.endpoint} (pid {status.pid}), healthy; log {status.log}")
    elif status.running:
        out.print(f"[yellow]●[/] running (pid {status.pid}) but not answering at {status.endpoint}; log {status.log}")
    else:
        out.print(f"○ not running (would listen on {status.endpoint}); start it: tradeinfra emulator start")
    if not status.healthy:
        raise typer.Exit(EXIT_FINDINGS)


class TargetOption(StrEnum):
    local = "local"
    aws = "aws"


class AppOption(StrEnum):
    cdk = "cdk"
    tf = "tf"
    all = "all"


Target = Annotated[
    TargetOption, typer.Option("--target", help="local: the emulator (tradeinfra emulator start); aws: real AWS.")
]


ForceUnlock = Annotated[
    bool,
    typer.Option(
        "--force-unlock",
        help="Take over the environment's lock when its holder's heartbeat stopped (a crashed run); recorded in the ledger.",
    ),
]


@app.command("deploy")
def deploy(
    env: Annotated[str, typer.Option("--env", help="Environment to deploy, e.g. dev.")],
    target: Target = TargetOption.local,
    app_name: Annotated[AppOption, typer.Option("--app", help="Which app to deploy.")] = AppOption.all,
    config_dir: ConfigDir = Path("config"),
    state_dir: StateDir = Path(".tradeinfra"),
    force_unlock: ForceUnlock = False,
    deployed_cdk: Annotated[
        Path | None,
        typer.Option(
            "--deployed-cdk",
            help="A cloud assembly whose stacks of the environment the delivery pipeline has just deployed: "
            "checked on the target and recorded in this version with the apps deployed here.",
        ),
    ] = None,
) -> None:
    """Deploy one environment and record the deployment as a version."""
    from tradeinfra.ops.deploy import deploy as run_deploy
    from tradeinfra.ops.history import hold
    from tradeinfra.ops.targets import TargetKind, resolve_target

    platform = _load(config_dir, env)
    resolved = resolve_target(TargetKind(target.value), state_dir)
    apps = ["cdk", "tf"] if app_name is AppOption.all else [app_name.value]
    if deployed_cdk is not None and "cdk" in apps:
        raise TradeinfraError(f"--deployed-cdk {deployed_cdk}: the CDK app is already deployed: use it with --app tf")
    command = f"deploy --app {app_name.value}" + (" --deployed-cdk" if deployed_cdk else "")
    with (
        err.status(f"deploying {env} to {target.value} ({', '.join(apps)})...") as status,
        hold(platform, resolved, state_dir, env, command, force_unlock=force_unlock, on_line=_progress(status)),
    ):
        version = run_deploy(
            platform, env, resolved, apps, state_dir, on_line=_progress(status), deployed_cdk=deployed_cdk
        )
    out.print(
        f"[green]✓[/] {env} deployed to {target.value}: version {version.version} "
        f"({len(version.stacks)} stacks, commit {version.git_commit[:12]})"
    )


AppFilter = Annotated[
    AppOption | None,
    typer.Option("--app", help="Which app's resources; default: those of the last deployment recorded, else all."),
]


def _apps(app_name: AppOption | None, default: list[str]) -> list[str]:
    if app_name is None:
        return default
    return ["cdk", "tf"] if app_name is AppOption.all else [app_name.value]


def _deployed_apps(platform: PlatformConfig, target: Any, state_dir: Path, env: str) -> list[str]:
    """The apps the ledger records as deployed to `env` on `target`; none
    recorded is an error, said as every command says it."""
    from tradeinfra.ops.history import open_store
    from tradeinfra.ops.versions import nothing_deployed

    store = open_store(platform, target, state_dir, env)
    deployed = [app for app in ("cdk", "tf") if store.last_succeeded(apps=[app])]
    if not deployed:
        raise nothing_deployed(env, target.kind.value, store=store)
    return deployed


@app.command("validate")
def validate(
    env: Annotated[str, typer.Option("--env", help="Environment to validate, e.g. dev.")],
    target: Target = TargetOption.local,
    app_name: AppFilter = None,
    config_dir: ConfigDir = Path("config"),
    state_dir: StateDir = Path(".tradeinfra"),
    output_format: FormatOption = TextOrJson.text,
) -> None:
    """Post-deployment validation: live settings against config, and a smoke-test
    order. Exit 2 when a check fails; "not emulated" is never counted as passed."""
    from tradeinfra.ops.results import save_result
    from tradeinfra.ops.targets import TargetKind, resolve_target
    from tradeinfra.ops.validate import validate as run_validate

    platform = _load(config_dir, env)
    resolved = resolve_target(TargetKind(target.value), state_dir)
    apps = _apps(app_name, _deployed_apps(platform, resolved, state_dir, env) if app_name is None else [])
    with err.status(f"validating {env} on {target.value} ({', '.join(apps)})..."):
        report = run_validate(platform.environment(env), resolved, apps)
    save_result(state_dir, target.value, env, "validation", report.to_json())
    if output_format is TextOrJson.json:
        _print_json(report.to_json())
    else:
        _print_validation(report, f"{env} on {target.value}: post-deployment validation")
    if not report.ok:
        raise typer.Exit(EXIT_FINDINGS)


def _print_validation(report: Any, title: str) -> None:
    from tradeinfra.ops.validate import Outcome

    table = Table(title=title, title_justify="left")
    for column in ("resource", "setting", "expected", "actual", "result"):
        table.add_column(column, overflow="fold")
    style = {Outcome.passed: "green", Outcome.failed: "bold red", Outcome.not_emulated: "yellow"}
    for item in report.checks:
        table.add_row(
            Text(item.resource),
            Text(item.setting),
            Text(item.expected),
            Text(item.actual),
            Text(item.outcome.value, style=style[item.outcome]),
        )
    out.print(table)
    counts = {o: sum(c.outcome is o for c in report.checks) for o in Outcome}
    out.print(
        f"{counts[Outcome.passed]} passed, {counts[Outcome.failed]} failed, {counts[Outcome.not_emulated]} not emulated"
    )


@app.command("drift")
def drift(
    env: Annotated[str, typer.Option("--env", help="Environment to examine, e.g. prod.")],
    target: Target = TargetOption.local,
    config_dir: ConfigDir = Path("config"),
    state_dir: StateDir = Path(".tradeinfra"),
    output_format: FormatOption = TextOrJson.text,
) -> None:
    """What changed outside a deployment: CloudFormation drift detection and a
    Terraform refresh-only plan (on the emulator: live settings against the
    last deployed version). Exit 2 when anything drifted."""
    from tradeinfra.ops.drift import detect_drift
    from tradeinfra.ops.results import save_result
    from tradeinfra.ops.targets import TargetKind, resolve_target

    platform = _load(config_dir, env)
    resolved = resolve_target(TargetKind(target.value), state_dir)
    with err.status(f"detecting drift in {env} on {target.value}...") as status:
        report = detect_drift(platform, env, resolved, state_dir, on_line=_progress(status))
    save_result(state_dir, target.value, env, "drift", report.to_json())
    if output_format is TextOrJson.json:
        _print_json(report.to_json())
    elif report.drifted:
        table = Table(title=f"{env} on {target.value}: drift from {report.versions}", title_justify="left")
        for column in ("found by", "resource", "property", "expected", "actual"):
            table.add_column(column, overflow="fold")
        for item in report.drifts:
            table.add_row(*(Text(v) for v in (item.source, item.resource, item.property, item.expected, item.actual)))
        out.print(table)
        out.print(f"[bold red]{len(report.drifts)} drifted setting(s)[/] in {env}")
    else:
        out.print(f"[green]✓[/] no drift in {env} on {target.value} ({'; '.join(report.checked)})")
    if report.drifted:
        raise typer.Exit(EXIT_FINDINGS)


@app.command("rollback")
def rollback(
    env: Annotated[str, typer.Option("--env", help="Environment to roll back, e.g. prod.")],
    to: Annotated[
        str | None, typer.Option("--to", help="Version to redeploy, e.g. v0003; default: the previous.")
    ] = None,
    target: Target = TargetOption.local,
    config_dir: ConfigDir = Path("config"),
    state_dir: StateDir = Path(".tradeinfra"),
    force_unlock: ForceUnlock = False,
) -> None:
    """Redeploy exactly what an earlier successful version deployed."""
    from tradeinfra.ops.history import hold
    from tradeinfra.ops.rollback import rollback as run_rollback
    from tradeinfra.ops.targets import TargetKind, resolve_target

    platform = _load(config_dir, env)
    resolved = resolve_target(TargetKind(target.value), state_dir)
    command = f"rollback --to {to or 'previous'}"
    with (
        err.status(f"rolling {env} back on {target.value}...") as status,
        hold(platform, resolved, state_dir, env, command, force_unlock=force_unlock, on_line=_progress(status)),
    ):
        version = run_rollback(platform, env, resolved, state_dir, to, on_line=_progress(status))
    out.print(
        f"[green]✓[/] {env} rolled back on {target.value}: version {version.version} redeployed "
        f"{version.source_version} ({', '.join(version.apps)}; commit {version.git_commit[:12]})"
    )


@app.command("destroy")
def destroy(
    env: Annotated[str, typer.Option("--env", help="Environment to tear down, e.g. dev.")],
    target: Target = TargetOption.local,
    app_name: Annotated[AppOption, typer.Option("--app", help="Which app to destroy.")] = AppOption.all,
    confirm: Annotated[
        str | None, typer.Option("--confirm", help="Name the environment again to destroy a protected one (prod).")
    ] = None,
    config_dir: ConfigDir = Path("config"),
    state_dir: StateDir = Path(".tradeinfra"),
    force_unlock: ForceUnlock = False,
) -> None:
    """Tear an environment down, the web tier first, and record it in the
    ledger. Retained resources (prod data) are kept and listed."""
    from tradeinfra.ops.destroy import check_confirmed
    from tradeinfra.ops.destroy import destroy as run_destroy
    from tradeinfra.ops.history import hold
    from tradeinfra.ops.targets import TargetKind, resolve_target

    platform = _load(config_dir, env)
    check_confirmed(platform, env, confirm)  # before anything is touched
    resolved = resolve_target(TargetKind(target.value), state_dir)
    apps = ["cdk", "tf"] if app_name is AppOption.all else [app_name.value]
    with (
        err.status(f"destroying {env} on {target.value} ({', '.join(apps)})...") as status,
        hold(platform, resolved, state_dir, env, f"destroy --app {app_name.value}", force_unlock=force_unlock),
    ):
        result = run_destroy(platform, env, resolved, apps, state_dir, confirm, on_line=_progress(status))
    out.print(f"[green]✓[/] {env} destroyed on {target.value}: version {result.version.version}")
    for item in result.destroyed:
        out.print(f"  destroyed: {item}")
    for item in result.kept:
        out.print(f"  kept (DeletionPolicy Retain): {item}")


@app.command("history")
def history(
    env: Annotated[str, typer.Option("--env", help="Environment, e.g. prod.")],
    target: Target = TargetOption.local,
    config_dir: ConfigDir = Path("config"),
    state_dir: StateDir = Path(".tradeinfra"),
    output_format: FormatOption = TextOrJson.text,
) -> None:
    """The environment's versions, from the deployment ledger every machine
    and the pipeline share: number, apps, commit, result, who, when."""
    from tradeinfra.ops.history import history_rows, open_store
    from tradeinfra.ops.targets import TargetKind, resolve_target

    platform = _load(config_dir, env)
    resolved = resolve_target(TargetKind(target.value), state_dir)
    store = open_store(platform, resolved, state_dir, env)
    rows = history_rows(store.versions())
    for problem in store.problems.values():
        err.print(Text.assemble(("skipped: ", "yellow"), problem), soft_wrap=True)
    if output_format is TextOrJson.json:
        _print_json({"environment": env, "target": target.value, "versions": rows, "unreadable": store.problems})
        return
    if not rows:
        out.print(f"{env} on {target.value}: no version recorded")
        return
    table = Table(title=f"{env} on {target.value}: deployment history", title_justify="left")
    columns = ("version", "apps", "commit", "result", "who", "started", "finished", "source", "detail")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(Text(str(row[column])) for column in columns))
    out.print(table)


@app.command("promote")
def promote(
    source: Annotated[str, typer.Option("--from", help="Environment whose release is promoted, e.g. dev.")],
    destination: Annotated[str, typer.Option("--to", help="The next environment, e.g. staging.")],
    target: Target = TargetOption.local,
    app_name: Annotated[AppOption, typer.Option("--app", help="Which app to promote.")] = AppOption.all,
    config_dir: ConfigDir = Path("config"),
    state_dir: StateDir = Path(".tradeinfra"),
    force_unlock: ForceUnlock = False,
) -> None:
    """Gates (config, compliance, parity, access), deploy, validate; on failure
    roll the destination back automatically and exit 3."""
    from tradeinfra.ops.history import hold
    from tradeinfra.ops.promote import promote as run_promote
    from tradeinfra.ops.results import save_result
    from tradeinfra.ops.targets import TargetKind, resolve_target

    platform = _load(config_dir)
    resolved = resolve_target(TargetKind(target.value), state_dir)
    apps = _apps(app_name, ["cdk", "tf"])
    command = f"promote --from {source} --app {app_name.value}"
    with (
        err.status(f"promoting {source} to {destination} on {target.value}...") as status,
        hold(platform, resolved, state_dir, destination, command, force_unlock=force_unlock, on_line=_progress(status)),
    ):
        result = run_promote(platform, source, destination, resolved, state_dir, apps, on_line=_progress(status))
    if result.validation is not None:
        _print_validation(result.validation, f"{destination} on {target.value}: validation after deployment")
    final = result.rollback_validation or result.validation
    if final is not None:
        save_result(state_dir, target.value, destination, "validation", final.to_json())
    if result.ok:
        assert result.version is not None
        out.print(f"[green]✓[/] {source} promoted to {destination}: version {result.version.version}, validated")
        return
    _error(f"promotion of {source} to {destination} failed: {result.failure}")
    if not result.rolled_back:
        raise typer.Exit(EXIT_FINDINGS)
    assert result.rollback is not None and result.rollback_validation is not None
    _print_validation(result.rollback_validation, f"{destination} after the rollback")
    out.print(
        f"[yellow]↩[/] {destination} rolled back: version {result.rollback.version} redeployed "
        f"{result.rollback.source_version} ({', '.join(result.rollback.apps)}); validation after the rollback "
        + ("[green]passed[/]" if result.rollback_validation.ok else "[bold red]failed[/]")
    )
    raise typer.Exit(EXIT_ROLLED_BACK)


@app.command("report")
def report(
    output: Annotated[Path, typer.Option("--output", help="The HTML page to write.", callback=_output_file)] = Path(
        "reports/index.html"
    ),
    target: Target = TargetOption.local,
    cdk_out: Annotated[Path, typer.Option("--cdk-out", help="Cloud assembly directory.")] = Path("cdk.out"),
    cdktf_out: Annotated[Path, typer.Option("--cdktf-out", help="Terraform output directory.")] = Path("cdktf.out"),
    tfvars_dir: Annotated[Path, typer.Option("--tfvars-dir", help="Directory of <env>.tfvars.")] = Path("terraform"),
    config_dir: ConfigDir = Path("config"),
    state_dir: StateDir = Path(".tradeinfra"),
) -> None:
    """One HTML page: the parity matrix, the access contracts, and per
    environment its deployments, latest validation and latest drift check on the target."""
    from tradeinfra.access.gate import run_access
    from tradeinfra.ops.report import render_report
    from tradeinfra.parity.formatters import html
    from tradeinfra.parity.runner import run_parity

    platform = _load(config_dir)
    output.parent.mkdir(parents=True, exist_ok=True)  # an output directory, like reports/
    parity, parity_page, access = None, None, None
    if (cdk_out / "manifest.json").is_file() and cdktf_out.is_dir():
        parity = run_parity(platform, cdk_out, cdktf_out, tfvars_dir)
        parity_page = "parity.html"
        _write_atomically(output.parent / parity_page, html.render(parity, environment_matrix(platform)))
        access = run_access(platform, config_dir, cdk_out, cdktf_out, tfvars_dir)
    stores = None
    try:
        from tradeinfra.ops.history import open_store
        from tradeinfra.ops.targets import TargetKind, resolve_target

        resolved = resolve_target(TargetKind(target.value), state_dir)
        stores = partial(open_store, platform, resolved, state_dir)
    except TradeinfraError as exc:
        err.print(f"[yellow]![/] deployments from the local cache only: {exc}")
    page = render_report(platform, parity, state_dir, target.value, parity_page, access, stores)
    _write_atomically(output, page)
    out.print(f"wrote {output}" + (f" and {output.parent / parity_page}" if parity_page else ""))


# Lines of the tools' output that say where a deployment is.
PROGRESS_MARKS = (
    "✅",
    "❌",
    "deploying...",
    "bootstrapp",
    "synthesizing",
    "terraform apply:",
    "terraform plan -refresh-only:",
    "Apply complete!",
    "gates:",
    "rolling",
    "validating",
    "promotion failed",
    "DRIFTED",
)


def _progress(status: Any) -> Any:
    """Show the tool lines that say where a deployment is."""

    def on_line(line: str) -> None:
        text = line.strip()
        if any(mark in text for mark in PROGRESS_MARKS):
            err.print(f"  {text}", markup=False, highlight=False)
            status.update(text[:120])

    return on_line


def _plain(renderable: Any) -> str:
    console = Console(width=160, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def _emit(rendered: str, output: Path | None) -> None:
    """A rendered report: to standard output, or written whole to `output`."""
    if output is None:
        sys.stdout.write(rendered)
    else:
        _write_atomically(output, rendered)
        out.print(f"wrote {output}")


def _write_atomically(target: Path, content: str) -> None:
    if not target.parent.is_dir():
        raise TradeinfraError(f"--output {target}: directory {target.parent} does not exist")
    write_text_atomically(target, content)


def _error(message: str) -> None:
    err.print(Text.assemble(("error: ", "red"), message), soft_wrap=True)


def _refuse_repeated_options(argv: list[str]) -> None:
    """An option that takes one value, given twice (`--env dev --env prod`),
    is refused: the parser would silently keep the last one."""
    # Typer builds on its own copy of click: read the command tree by shape.
    command: Any = typer.main.get_command(app)
    for token in argv:
        subcommands = getattr(command, "commands", {})
        if token not in subcommands:
            break
        command = subcommands[token]
    single = {
        name: param
        for param in command.params
        if getattr(param, "param_type_name", "") == "option"
        and not param.multiple
        and not getattr(param, "is_flag", False)
        and not getattr(param, "count", False)
        for name in param.opts
    }
    seen: dict[str, list[str]] = {}
    for index, token in enumerate(argv):
        name, _, inline = token.partition("=")
        if name in single:
            value = inline if inline else (argv[index + 1] if index + 1 < len(argv) else "")
            seen.setdefault(name, []).append(value)
    for name, values in seen.items():
        if len(values) > 1:
            raise TradeinfraError(f"{name} is given {len(values)} times ({', '.join(values)}): it takes one value")


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; maps errors to exit codes, never a traceback
    for bad input."""
    try:
        _refuse_repeated_options(sys.argv[1:] if argv is None else argv)
        with stop_signals_interrupt():
            result = app(args=argv, prog_name="tradeinfra", standalone_mode=False)
    except (Interrupted, KeyboardInterrupt) as exc:
        stopped = exc if isinstance(exc, Interrupted) else Interrupted(signal.SIGINT)
        _error(f"{stopped}: what was in progress is recorded as interrupted, its locks released")
        return stopped.exit_code
    except ConfigError as exc:
        count = len(exc.issues)
        _error(f"invalid configuration ({count} problem{'s' if count != 1 else ''}):")
        for issue in exc.issues:
            err.print(f"  {issue}", markup=False, soft_wrap=True)
        return EXIT_BAD_INPUT
    except CheckFailedError as exc:
        _error(str(exc))
        return EXIT_FINDINGS
    except TradeinfraError as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    except typer.Abort:
        _error("aborted")
        return EXIT_BAD_INPUT
    except typer.exceptions.TyperException as exc:  # usage errors from the parser
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            _error(str(exc))
        return EXIT_BAD_INPUT
    return result if isinstance(result, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
