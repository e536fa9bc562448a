"""`tradeinfra plan` of one environment, both apps, on the emulator
(target < 30 s): dev is deployed once into a fresh emulator, then planned
with nothing to change. Split into its parts: the synth of the checkout
(cdk-nag included), the CDK stacks against the deployed templates, and the
web tier's `terraform plan` + `show -json`. The ratio is the whole plan
against its synth alone (the floor of any plan of a checkout).

Deploying dev first takes ~2.5 min; run it alone with `python -m bench plan`."""

from __future__ import annotations

import socket
import tempfile
import time
from pathlib import Path

from bench.timing import best_of, report
from tradeinfra.config.loader import load_platform
from tradeinfra.emulator.process import Emulator
from tradeinfra.ops.deploy import deploy, synthesize
from tradeinfra.ops.plan.preview import preview
from tradeinfra.ops.plan.stacks import plan_stacks
from tradeinfra.ops.plan.web_tier import plan_web_tier
from tradeinfra.ops.targets import TargetKind, resolve_target

ROOT = Path(__file__).resolve().parent.parent
APPS = ["cdk", "tf"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(repeat: int = 2) -> None:
    platform = load_platform(ROOT / "config")
    env = platform.environment("dev")
    with tempfile.TemporaryDirectory(prefix="tradeinfra-bench-plan-") as scratch:
        state_dir = Path(scratch) / "state"
        emulator = Emulator(state_dir)
        emulator.start(_free_port())
        try:
            target = resolve_target(TargetKind.local, state_dir)
            started = time.perf_counter()
            deploy(platform, "dev", target, APPS, state_dir)
            deployed = time.perf_counter() - started
            whole = best_of(repeat, lambda: preview(platform, "dev", target, APPS, state_dir))
            synth = best_of(
                repeat, lambda: synthesize(platform, ["dev"], APPS, Path(tempfile.mkdtemp(dir=scratch)), None)
            )
            version = Path(tempfile.mkdtemp(dir=scratch))
            synthesize(platform, ["dev"], APPS, version, None)
            stacks = best_of(repeat, lambda: plan_stacks(version / "cdk.out", env, target))
            web_tier = best_of(repeat, lambda: plan_web_tier(platform, env, target, version, state_dir))
        finally:
            emulator.stop()
    print(f"{'plan, deploy dev first (not timed)':<40} {deployed * 1000:9.1f} ms")
    print(f"{'plan, synth of the checkout':<40} {synth * 1000:9.1f} ms")
    print(f"{'plan, CDK stacks vs deployed':<40} {stacks * 1000:9.1f} ms")
    print(f"{'plan, web tier (terraform plan + show)':<40} {web_tier * 1000:9.1f} ms")
    report("plan, dev, both apps", whole, synth, "synth alone")
    print(f"{'':<40} target < 30000 ms: {'met' if whole < 30 else 'MISSED'}")
