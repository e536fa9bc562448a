"""The embedded local AWS: start, stop and inspect the moto server process.

The process runs in the background, detached from the shell that started it;
its pid, port and log live under `<state dir>/emulator/`. `stop` signals only
the process recorded there, and only if it is still the emulator.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from tradeinfra.emulator.server import HOST
from tradeinfra.errors import TradeinfraError

DEFAULT_PORT = 4566
SERVER_MODULE = "tradeinfra.emulator.server"
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
# Any 12-digit key is an account to moto; the CLI, Terraform and boto3 all
# read these, and nothing real is ever reached with them.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class EmulatorError(TradeinfraError):
    """The emulator could not be started, stopped or reached."""


@dataclass(frozen=True)
class EmulatorStatus:
    running: bool
    healthy: bool
    endpoint: str
    pid: int | None
    log: str

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def endpoint(port: int) -> str:
    return f"http://{HOST}:{port}"


class Emulator:
    """The emulator whose files live under `state_dir` (default `.tradeinfra`)."""

    def __init__(self, state_dir: Path = Path(".tradeinfra")) -> None:
        self.directory = state_dir / "emulator"
        self.pid_file = self.directory / "emulator.pid"
        self.port_file = self.directory / "emulator.port"
        self.log_file = self.directory / "emulator.log"

    # -- queries ---------------------------------------------------------

    def status(self, port: int | None = None) -> EmulatorStatus:
        pid = self._recorded_pid()
        port = self.recorded_port() or port or DEFAULT_PORT
        running = pid is not None
        return EmulatorStatus(
            running=running,
            healthy=running and answers(port),
            endpoint=endpoint(port),
            pid=pid,
            log=str(self.log_file),
        )

    def recorded_port(self) -> int | None:
        try:
            return int(self.port_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    # -- actions -----------------------------------------------------------

    def start(self, port: int = DEFAULT_PORT) -> EmulatorStatus:
        """Start the server and wait until it answers; a no-op if it runs."""
        current = self.status(port)
        if current.running:
            if self.recorded_port() != port:
                raise EmulatorError(
                    f"the emulator already runs on {current.endpoint} (pid {current.pid}); "
                    f"stop it first ('tradeinfra emulator stop') to use port {port}"
                )
            return current
        if not port_is_free(port):
            raise EmulatorError(f"port {port} on {HOST} is in use by another process: choose another with --port")
        self.directory.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", SERVER_MODULE, "--port", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # outlives the command that started it; own process group
                env={**os.environ, **LOCAL_CREDENTIALS},
            )
        self.pid_file.write_text(str(process.pid), encoding="utf-8")
        self.port_file.write_text(str(port), encoding="utf-8")
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self._forget()
                raise EmulatorError(
                    f"the emulator exited with code {process.returncode} while starting; "
                    f"last lines of {self.log_file}:\n{self._log_tail()}"
                )
            if answers(port):
                return self.status(port)
            time.sleep(0.2)
        self._terminate(process.pid)
        self._forget()
        raise EmulatorError(
            f"the emulator did not answer on {endpoint(port)} within {START_TIMEOUT_SECONDS:.0f} s; "
            f"last lines of {self.log_file}:\n{self._log_tail()}"
        )

    def stop(self) -> bool:
        """Stop the recorded emulator; False when none was running."""
        pid = self._recorded_pid()
        if pid is None:
            self._forget()
            return False
        self._terminate(pid)
        self._forget()
        return True

    # -- internals -------------------------------------------------------------

    def _recorded_pid(self) -> int | None:
        """The recorded pid if that process is alive and still the emulator."""
        try:
            pid = int(self.pid_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return pid if _is_emulator(pid) else None

    def _terminate(self, pid: int) -> None:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if not _is_emulator(pid):
                _reap(pid)
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
        _reap(pid)

    def _forget(self) -> None:
        for path in (self.pid_file, self.port_file):
            path.unlink(missing_ok=True)

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def answers(port: int, timeout: float = 2.0) -> bool:
    """True when a moto server answers on `port` (its reset API replies to GET)."""
    try:
        with urllib.request.urlopen(f"{endpoint(port)}/moto-api/reset-auth", timeout=timeout) as response:
            return bool(response.status < 500)
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (urllib.error.URLError, OSError):
        return False


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the server will: connections of a stopped emulator lingering in
        # TIME_WAIT do not make the port busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _is_emulator(pid: int) -> bool:
    """Alive, not a zombie, and running the emulator module (pids get reused)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z" and SERVER_MODULE.encode() in cmdline


def _reap(pid: int) -> None:
    """Collect the exit status when the emulator is our own child (it is
    exiting or killed by now, so the wait is short)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
