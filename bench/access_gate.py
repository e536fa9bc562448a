"""Access gate time on the real synthesized output, all environments in one
pass (target < 5 s), split into its parts: reading and resolving the output,
and the simulator (one Node process for the whole batch). The ratio is the
whole gate against the engine's floor, one simulation of an empty batch."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.timing import best_of, report
from tradeinfra.access.contracts import load_contracts
from tradeinfra.access.gate import build_inventory, run_access, run_gate
from tradeinfra.access.simulator import NamedPolicy, Simulation, simulate
from tradeinfra.config.loader import load_platform
from tradeinfra.synth import synth_all

ROOT = Path(__file__).resolve().parent.parent
ONE = Simulation(
    "arn:aws:iam::111111111111:role/probe",
    "dynamodb:GetItem",
    "arn:aws:dynamodb:us-east-1:111111111111:table/probe",
    "111111111111",
    {"aws:RequestedRegion": "us-east-1"},
    (
        NamedPolicy(
            "probe", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    ),
)


def run(repeat: int = 3) -> None:
    platform = load_platform(ROOT / "config")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        synth_all(platform, platform.names, out / "cdk.out", out / "cdktf.out", out / "terraform")
        contracts = load_contracts(ROOT / "config")
        whole = best_of(
            repeat, lambda: run_access(platform, ROOT / "config", out / "cdk.out", out / "cdktf.out", out / "terraform")
        )
        reading = best_of(
            repeat, lambda: build_inventory(platform, out / "cdk.out", out / "cdktf.out", out / "terraform")
        )
        inventory = build_inventory(platform, out / "cdk.out", out / "cdktf.out", out / "terraform")
        start = time.perf_counter()
        result = run_gate(platform, contracts, inventory, platform.names)
        evaluating = time.perf_counter() - start
    floor = best_of(repeat, lambda: simulate([ONE]))
    print(f"{'access, read + resolve output':<40} {reading * 1000:9.1f} ms")
    print(f"{'access, evaluate':<40} {evaluating * 1000:9.1f} ms   ({result.simulations} simulations)")
    report("access, whole gate (3 environments)", whole, floor, "one simulation")
    print(f"{'':<40} target < 5000 ms: {'met' if whole < 5 else 'MISSED'}")
