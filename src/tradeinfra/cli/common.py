"""What every command shares: the Typer apps, the consoles, the option
types, the exit codes and the helpers that render and write results."""

from __future__ import annotations

import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from tradeinfra.config.loader import PlatformConfig, load_platform
from tradeinfra.errors import TradeinfraError
from tradeinfra.files import check_output_directory, check_output_file, write_text_atomically

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


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


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


def load_config(config_dir: Path, env: str | None = None) -> PlatformConfig:
    platform = load_platform(config_dir)
    if env is not None:
        platform.environment(env)  # unknown names fail here, with the list of known ones
    return platform


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def show_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    return str(value)


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


AllowReplace = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-replace",
        help="A stateful resource (physical name, logical ID or Terraform address) this deployment may replace "
        "or remove, losing its data; repeat per resource. Recorded with the version. (A reviewed release lists the "
        "change in config/replacements.yaml instead.)",
    ),
]


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


def progress(status: Any) -> Any:
    """Show the tool lines that say where a deployment is."""

    def on_line(line: str) -> None:
        text = line.strip()
        if any(mark in text for mark in PROGRESS_MARKS):
            err.print(f"  {text}", markup=False, highlight=False)
            status.update(text[:120])

    return on_line


def plain(renderable: Any) -> str:
    console = Console(width=160, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def emit(rendered: str, output: Path | None) -> None:
    """A rendered report: to standard output, or written whole to `output`."""
    if output is None:
        sys.stdout.write(rendered)
    else:
        write_output(output, rendered)
        out.print(f"wrote {output}")


def write_output(target: Path, content: str) -> None:
    if not target.parent.is_dir():
        raise TradeinfraError(f"--output {target}: directory {target.parent} does not exist")
    write_text_atomically(target, content)


def error(message: str) -> None:
    err.print(Text.assemble(("error: ", "red"), message), soft_wrap=True)
