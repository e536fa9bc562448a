"""Synthesize both apps. Each runs in its own process, side by side: every
jsii app pays its own Node start-up and assembly load, and on two cores the
two synths overlap almost completely."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.files import check_output_directory


@dataclass(frozen=True)
class SynthSummary:
    cdk_out: Path
    cdk_stacks: list[str]
    cdktf_out: Path
    terraform_stacks: list[str]
    tfvars: list[Path]


# This process's jsii kernel serves one thread: a synth in this process (not
# in a worker) holds this lock, e.g. a deployment's own synth while the
# emulator's state backend is synthesized on another thread.
IN_PROCESS = threading.Lock()

_busy = False  # in a worker: a synth is running


def _quiet_when_idle() -> None:
    """Worker initializer: SIGINT unwinds a running synth (which removes its
    scratch output); a worker with nothing to do ignores it and is shut down
    by the pool, without the traceback Python would print for it (a worker
    that died would make the pool kill the busy one before it cleans up)."""

    def on_interrupt(signum: int, frame: object) -> None:
        if _busy:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_interrupt)


def _cdk(platform: PlatformConfig, environments: list[str], out: Path) -> tuple[Path, list[str]]:
    global _busy
    from tradeinfra.cdk.synth import synth_cdk

    _busy = True
    try:
        result = synth_cdk(platform, environments, out)
    finally:
        _busy = False
    return result.out_dir, result.stacks


def _terraform(platform: PlatformConfig, out: Path, tfvars_dir: Path) -> tuple[Path, list[str], list[Path]]:
    global _busy
    from tradeinfra.tf.app import synth_tf

    _busy = True
    try:
        result = synth_tf(platform, out, tfvars_dir)
    finally:
        _busy = False
    return result.out_dir, result.stacks, result.tfvars


def synth_all(
    platform: PlatformConfig, environments: Sequence[str], cdk_out: Path, cdktf_out: Path, tfvars_dir: Path
) -> SynthSummary:
    for name in environments:
        platform.environment(name)  # unknown names fail before any work starts
    check_output_directory(cdk_out, "--cdk-out")  # and so do outputs that must not be replaced
    check_output_directory(cdktf_out, "--cdktf-out")
    check_output_directory(tfvars_dir, "--tfvars-dir", marker=None)
    with ProcessPoolExecutor(
        max_workers=2, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet_when_idle
    ) as pool:
        try:
            cdk = pool.submit(_cdk, platform, list(environments), cdk_out)
            terraform = pool.submit(_terraform, platform, cdktf_out, tfvars_dir)
            cdk_dir, cdk_stacks = cdk.result()
            tf_dir, tf_stacks, tfvars = terraform.result()
        except BaseException:  # interrupted: the synths stop too, and remove their scratch output
            _interrupt_workers(pool)
            raise
    return SynthSummary(cdk_dir, cdk_stacks, tf_dir, tf_stacks, tfvars)


def _interrupt_workers(pool: ProcessPoolExecutor) -> None:
    """SIGINT, not SIGTERM: a worker unwinds (KeyboardInterrupt) through
    `replaced_directory`, which leaves the previous output in place. The
    executor has no public handle on its processes."""
    for worker in list(getattr(pool, "_processes", {}).values()):
        if worker.pid is not None and worker.is_alive():
            os.kill(worker.pid, signal.SIGINT)
