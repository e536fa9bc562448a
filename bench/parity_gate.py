"""Parity gate time: on the real synthesized output, and on generated inputs
of 10 and 100 environments x 1,000 resources (growth should be linear in
environments x resources: the ratio 100x1000 / (10 x 10x1000) near 1)."""

from __future__ import annotations

import dataclasses
import random
import tempfile
from pathlib import Path

from bench.timing import best_of
from tradeinfra.config.loader import load_platform
from tradeinfra.parity.context import ParityContext
from tradeinfra.parity.normalize import Identity, normalize_stack
from tradeinfra.parity.runner import check, run_parity
from tradeinfra.parity.sources import EnvironmentSnapshot
from tradeinfra.synth import synth_all

ROOT = Path(__file__).resolve().parent.parent
RESOURCE_TYPES = [
    "AWS::Lambda::Function",
    "AWS::SQS::Queue",
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::IAM::Role",
]


def _template(env: str, account: str, resources: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)  # the same shape in every environment
    body = {}
    for index in range(resources):
        kind = RESOURCE_TYPES[index % len(RESOURCE_TYPES)]
        body[f"Resource{index}"] = {
            "Type": kind,
            "Metadata": {"aws:cdk:path": f"{env}/app/Resource{index}/Resource"},
            "Properties": {
                "Name": f"{env}-trading-r{index}",
                "Arn": f"arn:aws:svc:us-east-1:{account}:{env}-trading-r{index}",
                "Size": rng.randint(1, 100),
                "Tags": [{"Key": "Environment", "Value": env}, {"Key": "Project", "Value": "trading-platform"}],
                "Nested": {
                    "Enabled": True,
                    "Mode": rng.choice(["a", "b"]),
                    "Ref": {"Ref": f"Resource{max(index - 1, 0)}"},
                },
            },
        }
    return {"Resources": body, "Outputs": {}}


def _templates(environments: int, resources: int) -> dict[str, tuple[str, dict[str, object]]]:
    accounts = {f"env{n}": f"{100000000000 + n}" for n in range(environments)}
    return {env: (account, _template(env, account, resources, 7)) for env, account in accounts.items()}


def _parity(templates: dict[str, tuple[str, dict[str, object]]]) -> None:
    """Normalize every environment, then run every rule: what the gate does after reading files."""
    # Generated environments are not in config: no variation explains anything,
    # so every rule walks every resource.
    platform = dataclasses.replace(load_platform(ROOT / "config"), variations={})
    snapshots = {
        env: EnvironmentSnapshot(
            env,
            {"app": normalize_stack(template, Identity(env, account, "us-east-1"), "app", f"{env}-trading-app", False)},
        )
        for env, (account, template) in templates.items()
    }
    check(ParityContext(platform, snapshots, None))


def run(repeat: int = 3) -> None:
    platform = load_platform(ROOT / "config")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        synth_all(platform, platform.names, out / "cdk.out", out / "cdktf.out", out / "terraform")
        real = best_of(repeat, lambda: run_parity(platform, out / "cdk.out", out / "cdktf.out", out / "terraform"))
    print(f"{'parity, real output (3 environments)':<40} {real * 1000:9.1f} ms   (target < 1 s)")
    timings = {}
    for environments in (10, 100):
        templates = _templates(environments, 1000)
        timings[environments] = best_of(1, lambda templates=templates: _parity(templates))
        print(f"{f'parity, generated {environments} x 1,000 resources':<40} {timings[environments] * 1000:9.1f} ms")
    growth = timings[100] / (10 * timings[10])
    print(f"{'growth 100x1000 / (10 x 10x1000)':<40} {growth:9.2f}    (1.0 = linear; target 100x1000 < 10 s)")
