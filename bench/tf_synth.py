"""Web-tier synth (both Terraform stacks and the tfvars) against the floor of
an empty cdktf app; each in a fresh process, as a user's command runs."""

from __future__ import annotations

import subprocess
import sys
import tempfile

from bench.timing import best_of, report

EMPTY_APP = """
import tradeinfra.tf  # same process set-up as the real synth
import cdktf
app = cdktf.App(outdir=r"{out}")
cdktf.TerraformStack(app, "empty")
app.synth()
"""

WEB_TIER = """
from pathlib import Path
from tradeinfra.config.loader import load_platform
from tradeinfra.tf.app import synth_tf
synth_tf(load_platform(Path("config")), Path(r"{out}") / "cdktf.out", Path(r"{out}") / "terraform")
"""


def _run(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def run(repeat: int = 3) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        floor = best_of(repeat, lambda: _run(EMPTY_APP.format(out=f"{scratch}/empty")))
        synth = best_of(repeat, lambda: _run(WEB_TIER.format(out=scratch)))
    report("web-tier synth (2 stacks + tfvars)", synth, floor, "empty cdktf app")
    print(f"{'':34} web-tier synth wall time {synth:.2f} s (target < 5 s)")
