"""`tradeinfra emulator`: start, stop, status of the embedded local AWS."""

from __future__ import annotations

from pathlib import Path

import typer

from tradeinfra.cli.common import (
    EXIT_FINDINGS,
    FormatOption,
    PortOption,
    StateDir,
    TextOrJson,
    emulator_app,
    err,
    out,
    print_json,
)


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
        print_json(status.to_json())
    elif status.healthy:
        out.print(f"[green]●[/] running at {status.endpoint} (pid {status.pid}), healthy; log {status.log}")
    elif status.running:
        out.print(f"[yellow]●[/] running (pid {status.pid}) but not answering at {status.endpoint}; log {status.log}")
    else:
        out.print(f"○ not running (would listen on {status.endpoint}); start it: tradeinfra emulator start")
    if not status.healthy:
        raise typer.Exit(EXIT_FINDINGS)
