"""The `tradeinfra` command line: parse arguments, call a library function,
render its result, choose the exit code.

Exit codes: 0 all good; 1 bad input or usage; 2 a check found something;
3 a deployment failed and was rolled back.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

import typer

# Importing the command modules registers their commands on `app`.
from tradeinfra.cli import config_commands, emulator_commands, gate_commands, operation_commands, plan_commands
from tradeinfra.cli.common import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, app, err, error
from tradeinfra.config.loader import ConfigError
from tradeinfra.errors import CheckFailedError, TradeinfraError
from tradeinfra.interruption import Interrupted, stop_signals_interrupt

__all__ = [
    "app",
    "config_commands",
    "emulator_commands",
    "gate_commands",
    "main",
    "operation_commands",
    "plan_commands",
]


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
        error(f"{stopped}: what was in progress is recorded as interrupted, its locks released")
        return stopped.exit_code
    except ConfigError as exc:
        count = len(exc.issues)
        error(f"invalid configuration ({count} problem{'s' if count != 1 else ''}):")
        for issue in exc.issues:
            err.print(f"  {issue}", markup=False, soft_wrap=True)
        return EXIT_BAD_INPUT
    except CheckFailedError as exc:
        error(str(exc))
        return EXIT_FINDINGS
    except TradeinfraError as exc:
        error(str(exc))
        return EXIT_BAD_INPUT
    except typer.Abort:
        error("aborted")
        return EXIT_BAD_INPUT
    except typer.exceptions.TyperException as exc:  # usage errors from the parser
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            error(str(exc))
        return EXIT_BAD_INPUT
    return result if isinstance(result, int) else EXIT_OK
