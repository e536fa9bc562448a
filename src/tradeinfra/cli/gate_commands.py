"""Commands over synthesized output: synth, parity, access, report."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from tradeinfra.cli.common import (
    EXIT_FINDINGS,
    ConfigDir,
    OutputFile,
    ReportFormat,
    StateDir,
    Target,
    TargetOption,
    _output_file,
    app,
    emit,
    err,
    load_config,
    out,
    plain,
    write_output,
)
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.views import environment_matrix
from tradeinfra.errors import TradeinfraError


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

    platform = load_config(config_dir)
    names = env or platform.names
    with err.status(f"synthesizing the CDK app ({', '.join(names)}) and the web tier..."):
        result = synth_all(platform, names, cdk_out, cdktf_out, tfvars_dir)
    out.print(f"[green]✓[/] wrote {result.cdk_out}: {len(result.cdk_stacks)} CloudFormation stacks")
    for name in result.cdk_stacks:
        out.print(f"  {name}")
    out.print(f"[green]✓[/] wrote {result.cdktf_out}: Terraform stacks {', '.join(result.terraform_stacks)}")
    out.print(f"[green]✓[/] wrote {', '.join(str(p) for p in result.tfvars)}")


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

    platform = load_config(config_dir)
    report = run_parity(platform, cdk_out, cdktf_out, tfvars_dir)
    matrix = environment_matrix(platform)
    if output_format is ReportFormat.text and output is None:
        out.print(text.render(report, matrix))
    else:
        rendered = {
            ReportFormat.json: lambda: json_format.render(report),
            ReportFormat.markdown: lambda: markdown.render(report, matrix),
            ReportFormat.html: lambda: html.render(report, matrix),
            ReportFormat.text: lambda: plain(text.render(report, matrix)),
        }[output_format]()
        emit(rendered, output)
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

    platform = load_config(config_dir)
    report = run_access(platform, config_dir, cdk_out, cdktf_out, tfvars_dir, env or None)
    rendered = {
        ReportFormat.text: lambda: formatters.render_text(report, show_all=show_all),
        ReportFormat.json: lambda: formatters.render_json(report),
        ReportFormat.markdown: lambda: formatters.render_markdown(report),
        ReportFormat.html: lambda: formatters.render_html(report),
    }[output_format]()
    emit(rendered, output)
    if not report.ok:
        raise typer.Exit(EXIT_FINDINGS)


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

    platform = load_config(config_dir)
    stores = None
    try:
        from tradeinfra.ops.history import open_store
        from tradeinfra.ops.targets import TargetKind, resolve_target

        resolved = resolve_target(TargetKind(target.value), state_dir)
        stores = partial(open_store, platform, resolved, state_dir)
    except TradeinfraError as exc:
        err.print(f"[yellow]![/] deployments from the local cache only: {exc}")
    synthesized = (cdk_out / "manifest.json").is_file() and cdktf_out.is_dir()
    if not synthesized and not _anything_deployed(platform, state_dir, target.value, stores):
        raise TradeinfraError(
            f"nothing to report on {target.value}: no synthesized output (run 'tradeinfra synth') and nothing is "
            "recorded as deployed (run 'tradeinfra deploy --env <env>')"
        )
    output.parent.mkdir(parents=True, exist_ok=True)  # an output directory, like reports/
    parity, parity_page, access = None, None, None
    if synthesized:
        parity = run_parity(platform, cdk_out, cdktf_out, tfvars_dir)
        parity_page = "parity.html"
        write_output(output.parent / parity_page, html.render(parity, environment_matrix(platform)))
        access = run_access(platform, config_dir, cdk_out, cdktf_out, tfvars_dir)
    page = render_report(platform, parity, state_dir, target.value, parity_page, access, stores)
    write_output(output, page)
    out.print(f"wrote {output}" + (f" and {output.parent / parity_page}" if parity_page else ""))


def _anything_deployed(platform: PlatformConfig, state_dir: Path, target: str, stores: Any) -> bool:
    from tradeinfra.ops.versions import DeploymentStore

    def store(name: str) -> Any:
        return stores(name) if stores is not None else DeploymentStore(state_dir, target, name)

    return any(store(name).versions() for name in platform.names)
