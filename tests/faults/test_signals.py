"""Every termination is recorded: a deployment stopped by SIGTERM, SIGINT
or SIGHUP records its version as interrupted with the signal, stops the
tool it was running, and exits 128 + the signal; one killed outright
(SIGKILL) is found by the next command that takes the environment's lock.

The deployment here runs a stand-in for a slow tool (a Python child that
runs until stopped), through the same runner as cdk and terraform."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CONFIG_DIR

# Begins a version of dev in a local store (no ledger) and runs the slow
# tool; prints the tool's pid once it runs.
DEPLOYMENT = """
import os, sys
from pathlib import Path
from tradeinfra.config.loader import load_platform
from tradeinfra.interruption import Interrupted, stop_signals_interrupt
from tradeinfra.ops import deploy
from tradeinfra.ops.targets import Target, TargetKind
from tradeinfra.ops.tools import run_tool
from tradeinfra.ops.versions import DeploymentStore

state = Path(sys.argv[2])
store = DeploymentStore(state, "local", "dev")
deploy.open_store = lambda *args, **kwargs: store
platform = load_platform(Path(sys.argv[1]))
slow_tool = "import os, time\\nprint(os.getpid(), flush=True)\\nwhile True: time.sleep(0.1)"

def build(directory):
    run_tool([sys.executable, "-c", slow_tool], env=dict(os.environ), on_line=lambda line: print(line, flush=True))

with stop_signals_interrupt():
    try:
        deploy.deploy_version(platform, platform.environment("dev"), Target(TargetKind.local), ["cdk"], state, build)
    except Interrupted as exc:
        sys.exit(exc.exit_code)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize(("stop", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)])
def test_a_stopped_deployment_is_recorded_interrupted_and_stops_its_tool(
    tmp_path: Path, stop: signal.Signals, code: int
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", DEPLOYMENT, str(CONFIG_DIR), str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    tool = int(process.stdout.readline())  # the tool runs: the version is in progress
    process.send_signal(stop)
    assert process.wait(timeout=60) == code
    deadline = time.monotonic() + 10
    while alive(tool) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(tool), "the tool outlived the interrupted deployment"
    (record,) = (tmp_path / "deployments" / "local" / "dev").glob("v*/version.json")
    version = json.loads(record.read_text())
    assert (version["result"], version["detail"]) == ("interrupted", f"interrupted by {stop.name}")
    assert version["finished_at"]


def test_a_stopped_synth_exits_with_one_line_and_leaves_the_previous_output(tmp_path: Path) -> None:
    outputs = ["--cdk-out", str(tmp_path / "cdk.out"), "--cdktf-out", str(tmp_path / "cdktf.out")]
    outputs += ["--tfvars-dir", str(tmp_path / "terraform")]
    tradeinfra = [str(Path(sys.executable).parent / "tradeinfra"), "synth", "--config-dir", str(CONFIG_DIR), *outputs]
    (tmp_path / "cdk.out").mkdir()
    (tmp_path / "cdk.out" / "manifest.json").write_text("{}")  # an earlier synth's output
    process = subprocess.Popen(tradeinfra, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".cdk.out.partial-*")) and time.monotonic() < deadline:
        time.sleep(0.05)  # until the CDK synth is writing its scratch output
    assert process.poll() is None, "the synth ended before it could be stopped"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143
    assert stderr.strip().splitlines()[-1].startswith("error: interrupted by SIGTERM")
    assert "Traceback" not in stderr
    assert (tmp_path / "cdk.out" / "manifest.json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no scratch left
