"""`tradeinfra plan`: what a deployment would change, before it changes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from tradeinfra.cli.common import (
    EXIT_FINDINGS,
    AllowReplace,
    AppOption,
    ConfigDir,
    OutputFile,
    ReportFormat,
    StateDir,
    Target,
    TargetOption,
    app,
    emit,
    err,
    load_config,
    out,
    plain,
    progress,
)
from tradeinfra.config.replacements import REPLACEMENTS_FILE
from tradeinfra.errors import TradeinfraError

if TYPE_CHECKING:
    from tradeinfra.ops.plan.model import Plan


@app.command("plan")
def plan(
    env: Annotated[str | None, typer.Option("--env", help="Environment to plan, e.g. prod.")] = None,
    target: Target = TargetOption.local,
    app_name: Annotated[AppOption, typer.Option("--app", help="Which app to plan.")] = AppOption.all,
    from_version: Annotated[
        str | None,
        typer.Option("--from-version", help="Plan a recorded version (e.g. v0003) instead of this checkout."),
    ] = None,
    promote: Annotated[
        bool, typer.Option("--promote", help="Plan a promotion: --from E1 --to E2 (E2 is planned).")
    ] = False,
    source: Annotated[str | None, typer.Option("--from", help="With --promote: the environment promoted.")] = None,
    destination: Annotated[str | None, typer.Option("--to", help="With --promote: the environment planned.")] = None,
    allow_replace: AllowReplace = None,
    cdk_out: Annotated[
        Path | None,
        typer.Option(
            "--cdk-out",
            help="Plan this cloud assembly (e.g. the pipeline's Synth output) for the CDK app instead of "
            "synthesizing the checkout; with --app all, the web tier is synthesized from the checkout.",
        ),
    ] = None,
    config_dir: ConfigDir = Path("config"),
    state_dir: StateDir = Path(".tradeinfra"),
    output_format: Annotated[ReportFormat, typer.Option("--format", help="Output format.")] = ReportFormat.text,
    output: OutputFile = None,
) -> None:
    """What deploying this checkout (or a recorded version) to an environment
    would change, both apps in one list; nothing is changed. Exit 2 when a
    stateful resource would be replaced or removed and neither --allow-replace
    nor config/replacements.yaml acknowledges it."""
    from tradeinfra.ops.plan.formatters import summary, to_html, to_json, to_markdown
    from tradeinfra.ops.plan.preview import preview, promotion_preview
    from tradeinfra.ops.results import save_result
    from tradeinfra.ops.targets import TargetKind, resolve_target

    planned_env = _planned_environment(env, promote, source, destination, from_version)
    if cdk_out is not None:
        _check_assembly_option(cdk_out, app_name, promote or from_version is not None)
    platform = load_config(config_dir, planned_env)
    resolved = resolve_target(TargetKind(target.value), state_dir)
    apps = ["cdk", "tf"] if app_name is AppOption.all else [app_name.value]
    with err.status(f"planning {planned_env} on {target.value}...") as status:
        if promote:
            assert source is not None
            result = promotion_preview(
                platform, source, planned_env, resolved, apps, state_dir, allow_replace or (), progress(status)
            )
        else:
            result = preview(
                platform,
                planned_env,
                resolved,
                apps,
                state_dir,
                from_version,
                allow_replace or (),
                progress(status),
                assembly=cdk_out,
            )
    save_result(state_dir, target.value, planned_env, "plan", to_json(result))
    renderers = {
        ReportFormat.json: lambda: json.dumps(to_json(result), indent=2) + "\n",
        ReportFormat.markdown: lambda: to_markdown(result),
        ReportFormat.html: lambda: to_html(result),
    }
    if output_format in renderers:
        emit(renderers[output_format](), output)
    elif not result.changes and not result.variations:
        shown = f"[green]✓[/] {result.environment} on {result.target}: deploying {result.version} changes nothing"
        out.print(shown) if output is None else emit(plain(shown), output)
    else:
        rendered = _text(result)
        if output is None:
            out.print(rendered)
        else:
            emit(plain(rendered), output)
    for caveat in result.caveats:
        err.print(f"[yellow]caveat[/]: {caveat}")
    for name in result.unused_allowances:
        err.print(f"[yellow]warning[/]: --allow-replace {name}: no stateful replacement or removal has that name")
    for review in result.unused_reviews:
        err.print(
            f"[yellow]warning[/]: {config_dir / REPLACEMENTS_FILE}: {review.environment} {review.resource} change "
            f"{review.change} matches no planned replacement or removal (deployed already, or the plan's change "
            "differs from the one reviewed): remove it",
            highlight=False,
        )
    if result.findings:
        err.print(
            f"[bold red]{len(result.findings)} stateful resource(s) would be replaced or removed[/] "
            f"({summary(result)}): deploy refuses them without --allow-replace, or an entry with their change "
            f"in {config_dir / REPLACEMENTS_FILE}"
        )
        raise typer.Exit(EXIT_FINDINGS)


def _check_assembly_option(cdk_out: Path, app_name: AppOption, other_source: bool) -> None:
    if app_name is AppOption.tf:
        raise TradeinfraError(
            f"--cdk-out {cdk_out}: a cloud assembly holds the CDK app only: use --app cdk or --app all"
        )
    if other_source:
        raise TradeinfraError(f"--cdk-out {cdk_out}: plans that assembly; leave out --promote and --from-version")
    if not (cdk_out / "manifest.json").is_file():
        raise TradeinfraError(f"--cdk-out {cdk_out}: not a cloud assembly (no manifest.json): run tradeinfra synth")


def _planned_environment(
    env: str | None, promote: bool, source: str | None, destination: str | None, from_version: str | None
) -> str:
    if promote:
        if env is not None or from_version is not None:
            raise TradeinfraError(
                "--promote: plans the promotion of this checkout --from E1 --to E2; leave out --env and --from-version"
            )
        if source is None or destination is None:
            raise TradeinfraError("--promote: name both environments, e.g. --promote --from staging --to prod")
        return destination
    if source is not None or destination is not None:
        raise TradeinfraError("--from/--to: only with --promote (e.g. --promote --from staging --to prod)")
    if env is None:
        raise TradeinfraError("--env: name the environment to plan, e.g. --env prod (or --promote --from E1 --to E2)")
    return env


def _text(result: Plan) -> Table:
    from tradeinfra.ops.plan.formatters import shown_name, summary

    table = Table(
        title=f"{result.environment} on {result.target}: what deploying {result.version} would change: {summary(result)}",
        title_justify="left",
    )
    for column in ("action", "where", "resource", "type", "property", "before", "after"):
        table.add_column(column, overflow="fold")
    style = {"add": "green", "modify": "yellow", "replace": "bold red", "remove": "bold red"}
    for change in result.changes:
        name = shown_name(change)
        action = Text(change.action.value, style=style[change.action.value])
        if change.loses_data:
            action.append(" (data lost)", style="bold red")
            action.append(f" change {change.fingerprint}")
        rows = change.properties or ()
        if not rows:
            table.add_row(action, change.container, name, change.resource_type, "", "", "")
        for index, prop in enumerate(rows):
            lead = (action, change.container, name, change.resource_type) if index == 0 else ("", "", "", "")
            path = prop.path + (" (replaces)" if prop.replaces else "")
            table.add_row(*lead, path, prop.before, prop.after)
    for setting, was, here in result.variations:
        table.add_row(Text("keeps", style="cyan"), "declared variation", setting, "", "", was, here)
    return table
