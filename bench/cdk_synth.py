"""CDK synth of all three environments (with the three cdk-nag packs) against
synthesizing an empty app: the jsii/Node start-up floor. Each runs in a fresh
process, as a user's command does; the web tier is measured separately."""

from __future__ import annotations

import subprocess
import sys
import tempfile

from bench.timing import best_of, report

EMPTY_APP = """
import tradeinfra.cdk  # same process set-up as the real synth
import aws_cdk as cdk
app = cdk.App(outdir=r"{out}")
cdk.Stack(app, "Empty")
app.synth()
"""


TRADING_APP = """
from pathlib import Path
from tradeinfra.cdk.synth import synth_cdk
from tradeinfra.config.loader import load_platform
platform = load_platform(Path("config"))
synth_cdk(platform, platform.names, Path(r"{out}"))
"""


def _run(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def run(repeat: int = 3) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        floor = best_of(repeat, lambda: _run(EMPTY_APP.format(out=f"{scratch}/empty")))
        synth = best_of(repeat, lambda: _run(TRADING_APP.format(out=f"{scratch}/cdk.out")))
    report("cdk synth (3 environments + nag)", synth, floor, "empty app")
