"""The only place that runs the external tools: the pinned CDK CLI
(node_modules/.bin/cdk), terraform and git. Output is streamed line by line
to the caller (progress) and kept, so a failure can say what the tool said."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tradeinfra.errors import TradeinfraError

REPO_ROOT = Path(__file__).resolve().parents[3]
CDK_CLI = REPO_ROOT / "node_modules" / ".bin" / "cdk"

OnLine = Callable[[str], None]


class ToolError(TradeinfraError):
    """An external tool failed; `output` holds what it printed."""

    def __init__(self, message: str, output: list[str]) -> None:
        super().__init__(message)
        self.output = output


@dataclass(frozen=True)
class ToolRun:
    returncode: int
    output: list[str]


def run_tool(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path = REPO_ROOT,
    on_line: OnLine | None = None,
    ok_codes: tuple[int, ...] = (0,),
    stdout_only: bool = False,
) -> ToolRun:
    """Run `argv`; raise ToolError (with the last lines) unless it exits with
    one of `ok_codes`. `stdout_only`: the output is stdout alone (e.g. JSON),
    stderr is kept apart and shown only on failure."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as apart:
        try:
            process = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=dict(env),
                stdout=subprocess.PIPE,
                stderr=apart if stdout_only else subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
            )
        except FileNotFoundError:
            raise ToolError(f"{argv[0]}: not found (run 'make install' to set up the tools)", []) from None
        output: list[str] = []
        assert process.stdout is not None
        try:
            for raw in process.stdout:
                line = raw.rstrip("\n")
                output.append(line)
                if on_line is not None:
                    on_line(line)
            returncode = process.wait()
        except BaseException:  # interrupted: the tool stops too, cleanly when it can
            _stop(process)
            raise
        apart.seek(0)
        errors = apart.read().splitlines()
    if returncode not in ok_codes:
        output = output + errors
        tail = "\n".join(f"  {line}" for line in output[-20:])
        raise ToolError(f"{Path(argv[0]).name} {' '.join(argv[1:3])} failed (exit {returncode}):\n{tail}", output)
    return ToolRun(returncode, output)


# How long a stopped tool gets to finish cleanly (terraform releases its
# state lock and writes its state on SIGTERM) before it is killed.
STOP_GRACE_SECONDS = 30.0


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cdk(
    args: Sequence[str], *, env: Mapping[str, str], on_line: OnLine | None = None, cwd: Path = REPO_ROOT
) -> ToolRun:
    if not CDK_CLI.exists():
        raise ToolError(f"{CDK_CLI}: the pinned CDK CLI is not installed (run 'make install')", [])
    return run_tool([str(CDK_CLI), *args], env=env, on_line=on_line, cwd=cwd)


def terraform(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    on_line: OnLine | None = None,
    ok_codes: tuple[int, ...] = (0,),
    stdout_only: bool = False,
) -> ToolRun:
    binary = terraform_binary(env)
    if binary is None:
        raise ToolError("terraform: not found on PATH (Terraform 1.11 is required)", [])
    return run_tool([binary, *args], env=env, cwd=cwd, on_line=on_line, ok_codes=ok_codes, stdout_only=stdout_only)


def terraform_binary(env: Mapping[str, str]) -> str | None:
    # `make terraform-cli` installs the pinned release beside the venv's Python (the pipeline's builds).
    beside = Path(sys.executable).parent / "terraform"
    return str(beside) if beside.is_file() else shutil.which("terraform", path=env.get("PATH"))


PROVIDER_MIRROR = "TRADEINFRA_TF_PLUGIN_DIR"


def provider_mirror() -> str | None:
    """The filesystem mirror Terraform installs providers from, offline;
    None: the Terraform registry."""
    return os.environ.get(PROVIDER_MIRROR) or None


def check_tools(apps: Sequence[str]) -> None:
    """Before any synth or deployment: the tools the apps need are there,
    else one line saying what is missing and how to provide it."""
    missing = []
    if shutil.which("node") is None:
        missing.append("node (Node.js 20, which runs the CDK and cdktf: install it, then 'make install')")
    if "cdk" in apps and not CDK_CLI.exists():
        missing.append(f"{CDK_CLI} (the pinned CDK CLI: run 'make install')")
    if "tf" in apps:
        if terraform_binary(os.environ) is None:
            missing.append("terraform (1.11: put it on PATH, or run 'make terraform-cli')")
        mirror = provider_mirror()
        if mirror and not Path(mirror).is_dir():
            missing.append(f"{PROVIDER_MIRROR}={mirror} (the provider mirror): not a directory")
    if missing:
        raise ToolError("missing: " + "; ".join(missing), [])


def git_commit(cwd: Path = REPO_ROOT) -> str:
    """The checked-out commit (with `+changes` when the tree is dirty), or `unknown`."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}+changes" if dirty else commit
