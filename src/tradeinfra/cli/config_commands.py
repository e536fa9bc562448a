"""`tradeinfra config`: validate, show, matrix, schema; and
`tradeinfra bootstrap-policies`, what config allows CloudFormation to do."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from tradeinfra.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FINDINGS,
    ConfigDir,
    EnvOption,
    FormatOption,
    TextOrJson,
    _output_file,
    app,
    config_app,
    error,
    load_config,
    out,
    print_json,
    show_value,
    write_output,
)
from tradeinfra.config.loader import ConfigError
from tradeinfra.config.schema import render_schema
from tradeinfra.config.views import environment_matrix, resolved_values
from tradeinfra.config.yaml_source import Location


@config_app.command("validate")
def config_validate(
    config_dir: ConfigDir = Path("config"),
    env: EnvOption = None,
    output_format: FormatOption = TextOrJson.text,
) -> None:
    """Check every file; exit 0 when valid, 1 with every problem found."""
    try:
        platform = load_config(config_dir, env)
    except ConfigError as exc:
        if output_format is TextOrJson.json:
            print_json(
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
        print_json({"valid": True, "environments": names, "variations": sorted(platform.variations)})
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
    platform = load_config(config_dir, env)
    if output_format is TextOrJson.json:
        if explain:
            print_json(
                {row.path: {"value": row.value, "source": str(row.source)} for row in resolved_values(platform, env)}
            )
        else:
            print_json(platform.environment(env).model_dump(mode="json"))
        return
    table = Table(title=f"{env}: resolved configuration", title_justify="left")
    table.add_column("setting", style="cyan", no_wrap=True)
    # The value column folds so that setting and source are never cut short.
    table.add_column("value", overflow="fold")
    if explain:
        table.add_column("from", style="dim", no_wrap=True)
    for row in resolved_values(platform, env):
        cells = [row.path, show_value(row.value)] + ([_shown_location(row.source)] if explain else [])
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
    platform = load_config(config_dir, env)
    rows = [row for row in environment_matrix(platform) if row.varies or not varying_only]
    names = [env] if env else platform.names
    if output_format is TextOrJson.json:
        print_json(
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
        table.add_row(label, *[Text(show_value(row.values[n]), style=style) for n in names])
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
            error(f"{target} is out of date: run 'tradeinfra config schema'")
            raise typer.Exit(EXIT_FINDINGS)
        out.print(f"[green]✓[/] {target} is up to date")
        return
    write_output(target, rendered)  # never a half-written schema
    out.print(f"wrote {target}")


@app.command("bootstrap-policies")
def bootstrap_policies(
    env: Annotated[str, typer.Option("--env", help="The account: an environment name, or tooling (the pipeline's).")],
    config_dir: ConfigDir = Path("config"),
    output: Annotated[
        Path | None,
        typer.Option("--output", help="Write the template here; default: standard output.", callback=_output_file),
    ] = None,
) -> None:
    """The CloudFormation template of an account's cdk bootstrap execution
    policy and permissions boundary (deploy it, then bootstrap with them)."""
    import json

    from tradeinfra.cdk.bootstrap_policies import bootstrap_template

    template = json.dumps(bootstrap_template(load_config(config_dir), env), indent=1) + "\n"
    if output is None:
        print_json(json.loads(template))
        return
    write_output(output, template)
    out.print(f"wrote {output}")
