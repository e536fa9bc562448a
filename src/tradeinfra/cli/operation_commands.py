"""Commands that act on a target: deploy, validate, drift, rollback, destroy, history, promote."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from tradeinfra.cli.common import (
    EXIT_FINDINGS,
    EXIT_ROLLED_BACK,
    AllowReplace,
    AppOption,
    ConfigDir,
    ForceUnlock,
    FormatOption,
    StateDir,
    Target,
    TargetOption,
    TextOrJson,
    app,
    err,
    error,
    load_config,
    out,
    print_json,
    progress,
)
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.errors import TradeinfraError


@app.command("deploy")
def deploy(
    env: Annotated[str, typer.Option("--env", help="Environment to deploy, e.g. dev.")],
    target: Target = TargetOption.local,
    app_name: Annotated[AppOption, typer.Option("--app", help="Which app to deploy.")] = AppOption.all,
    config_dir: ConfigDir = Path("config"),
    state_dir: StateDir = Path(".tradeinfra"),
    force_unlock: ForceUnlock = False,
    allow_replace: AllowReplace = None,
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

    platform = load_config(config_dir, env)
    resolved = resolve_target(TargetKind(target.value), state_dir)
    apps = ["cdk", "tf"] if app_name is AppOption.all else [app_name.value]
    if deployed_cdk is not None and "cdk" in apps:
        raise TradeinfraError(f"--deployed-cdk {deployed_cdk}: the CDK app is already deployed: use it with --app tf")
    command = f"deploy --app {app_name.value}" + (" --deployed-cdk" if deployed_cdk else "")
    with (
        err.status(f"deploying {env} to {target.value} ({', '.join(apps)})...") as status,
        hold(platform, resolved, state_dir, env, command, force_unlock=force_unlock, on_line=progress(status)),
    ):
        version = run_deploy(
            platform,
            env,
            resolved,
            apps,
            state_dir,
            on_line=progress(status),
            deployed_cdk=deployed_cdk,
            allowed=allow_replace or (),
        )
    out.print(
        f"[green]✓[/] {env} deployed to {target.value}: version {version.version} "
        f"({len(version.stacks)} stacks, commit {version.git_commit[:12]})"
    )


AppFilter = Annotated[
    AppOption | None,
    typer.Option("--app", help="Which app's resources; default: those of the last deployment recorded, else all."),
]


def chosen_apps(app_name: AppOption | None, default: list[str]) -> list[str]:
    if app_name is None:
        return default
    return ["cdk", "tf"] if app_name is AppOption.all else [app_name.value]


def deployed_apps(platform: PlatformConfig, target: Any, state_dir: Path, env: str) -> list[str]:
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

    platform = load_config(config_dir, env)
    resolved = resolve_target(TargetKind(target.value), state_dir)
    apps = chosen_apps(app_name, deployed_apps(platform, resolved, state_dir, env) if app_name is None else [])
    with err.status(f"validating {env} on {target.value} ({', '.join(apps)})..."):
        report = run_validate(platform.environment(env), resolved, apps)
    save_result(state_dir, target.value, env, "validation", report.to_json())
    if output_format is TextOrJson.json:
        print_json(report.to_json())
    else:
        _print_validation(report, f"{env} on {target.value}: post-deployment validation")
    if not report.ok:
        raise typer.Exit(EXIT_FINDINGS)


def _print_validation(report: Any, title: str) -> None:
    from tradeinfra.ops.checks import Outcome

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

    platform = load_config(config_dir, env)
    resolved = resolve_target(TargetKind(target.value), state_dir)
    with err.status(f"detecting drift in {env} on {target.value}...") as status:
        report = detect_drift(platform, env, resolved, state_dir, on_line=progress(status))
    save_result(state_dir, target.value, env, "drift", report.to_json())
    if output_format is TextOrJson.json:
        print_json(report.to_json())
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
    allow_replace: AllowReplace = None,
) -> None:
    """Redeploy exactly what an earlier successful version deployed."""
    from tradeinfra.ops.history import hold
    from tradeinfra.ops.rollback import rollback as run_rollback
    from tradeinfra.ops.targets import TargetKind, resolve_target

    platform = load_config(config_dir, env)
    resolved = resolve_target(TargetKind(target.value), state_dir)
    command = f"rollback --to {to or 'previous'}"
    with (
        err.status(f"rolling {env} back on {target.value}...") as status,
        hold(platform, resolved, state_dir, env, command, force_unlock=force_unlock, on_line=progress(status)),
    ):
        version = run_rollback(
            platform, env, resolved, state_dir, to, on_line=progress(status), allowed=allow_replace or ()
        )
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
    from tradeinfra.ops.destroy import check_destroyable
    from tradeinfra.ops.destroy import destroy as run_destroy
    from tradeinfra.ops.history import hold
    from tradeinfra.ops.targets import TargetKind, resolve_target

    platform = load_config(config_dir, env)
    apps = ["cdk", "tf"] if app_name is AppOption.all else [app_name.value]
    check_destroyable(platform, env, apps, confirm)  # before anything is touched
    resolved = resolve_target(TargetKind(target.value), state_dir)
    with (
        err.status(f"destroying {env} on {target.value} ({', '.join(apps)})...") as status,
        hold(platform, resolved, state_dir, env, f"destroy --app {app_name.value}", force_unlock=force_unlock),
    ):
        result = run_destroy(platform, env, resolved, apps, state_dir, confirm, on_line=progress(status))
    out.print(f"[green]✓[/] {env} destroyed on {target.value}: version {result.version.version}")
    for item in result.destroyed:
        out.print(f"  destroyed: {item}")
    for item in result.kept:
        out.print(f"  kept: {item}")


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

    platform = load_config(config_dir, env)
    resolved = resolve_target(TargetKind(target.value), state_dir)
    store = open_store(platform, resolved, state_dir, env)
    rows = history_rows(store.versions())
    for problem in store.problems.values():
        err.print(Text.assemble(("skipped: ", "yellow"), problem), soft_wrap=True)
    if output_format is TextOrJson.json:
        print_json({"environment": env, "target": target.value, "versions": rows, "unreadable": store.problems})
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
    allow_replace: AllowReplace = None,
) -> None:
    """Gates (config, compliance, parity, access), deploy, validate; on failure
    roll the destination back automatically and exit 3."""
    from tradeinfra.ops.history import hold
    from tradeinfra.ops.promote import promote as run_promote
    from tradeinfra.ops.results import save_result
    from tradeinfra.ops.targets import TargetKind, resolve_target

    platform = load_config(config_dir)
    resolved = resolve_target(TargetKind(target.value), state_dir)
    apps = chosen_apps(app_name, ["cdk", "tf"])
    command = f"promote --from {source} --app {app_name.value}"
    with (
        err.status(f"promoting {source} to {destination} on {target.value}...") as status,
        hold(platform, resolved, state_dir, destination, command, force_unlock=force_unlock, on_line=progress(status)),
    ):
        result = run_promote(
            platform,
            source,
            destination,
            resolved,
            state_dir,
            apps,
            on_line=progress(status),
            allowed=allow_replace or (),
        )
    if result.validation is not None:
        _print_validation(result.validation, f"{destination} on {target.value}: validation after deployment")
    final = result.rollback_validation or result.validation
    if final is not None:
        save_result(state_dir, target.value, destination, "validation", final.to_json())
    if result.ok:
        assert result.version is not None
        out.print(f"[green]✓[/] {source} promoted to {destination}: version {result.version.version}, validated")
        return
    error(f"promotion of {source} to {destination} failed: {result.failure}")
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
