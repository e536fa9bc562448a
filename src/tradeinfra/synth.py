"""Synthesize both apps. Each runs in its own process, side by side: every
jsii app pays its own Node start-up and assembly load, and on two cores the
two synths overlap almost completely."""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tradeinfra.config.loader import PlatformConfig


@dataclass(frozen=True)
class SynthSummary:
    cdk_out: Path
    cdk_stacks: list[str]
    cdktf_out: Path
    terraform_stacks: list[str]
    tfvars: list[Path]


def _cdk(platform: PlatformConfig, environments: list[str], out: Path) -> tuple[Path, list[str]]:
    from tradeinfra.cdk.synth import synth_cdk

    result = synth_cdk(platform, environments, out)
    return result.out_dir, result.stacks


def _terraform(platform: PlatformConfig, out: Path, tfvars_dir: Path) -> tuple[Path, list[str], list[Path]]:
    from tradeinfra.tf.app import synth_tf

    result = synth_tf(platform, out, tfvars_dir)
    return result.out_dir, result.stacks, result.tfvars


def synth_all(
    platform: PlatformConfig, environments: Sequence[str], cdk_out: Path, cdktf_out: Path, tfvars_dir: Path
) -> SynthSummary:
    for name in environments:
        platform.environment(name)  # unknown names fail before any work starts
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        cdk = pool.submit(_cdk, platform, list(environments), cdk_out)
        terraform = pool.submit(_terraform, platform, cdktf_out, tfvars_dir)
        cdk_dir, cdk_stacks = cdk.result()
        tf_dir, tf_stacks, tfvars = terraform.result()
    return SynthSummary(cdk_dir, cdk_stacks, tf_dir, tf_stacks, tfvars)
