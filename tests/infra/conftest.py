"""Synthesize each app once per test session; every infra test reads that output."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.cdk.conftest import Assembly
from tests.infra.synthesized_copy import Output, copy_output
from tests.infra.tf.conftest import TfSynth
from tradeinfra.cdk.synth import synth_cdk
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.synthesized.cloud_assembly import read_assembly
from tradeinfra.tf.app import synth_tf


@pytest.fixture(scope="session")
def cdk_out(platform: PlatformConfig, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cdk") / "cdk.out"
    synth_cdk(platform, platform.names, out)
    return out


@pytest.fixture(scope="session")
def assembly(cdk_out: Path) -> Assembly:
    return read_assembly(cdk_out)


@pytest.fixture(scope="session")
def tf_synth(platform: PlatformConfig, tmp_path_factory: pytest.TempPathFactory) -> TfSynth:
    root = tmp_path_factory.mktemp("cdktf")
    result = synth_tf(platform, root / "cdktf.out", root / "terraform")
    return TfSynth(result.out_dir, root / "terraform")


@pytest.fixture
def output(cdk_out: Path, tf_synth: TfSynth, tmp_path: Path) -> Output:
    """A writable copy of the synthesized output, for one mutation test."""
    return copy_output(cdk_out, tf_synth, tmp_path)
