"""Synthesize every environment once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeinfra.cdk.assembly import SynthesizedStack, read_assembly
from tradeinfra.cdk.synth import synth_cdk
from tradeinfra.config.loader import PlatformConfig

Assembly = dict[str, dict[str, SynthesizedStack]]


@pytest.fixture(scope="session")
def cdk_out(platform: PlatformConfig, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cdk") / "cdk.out"
    synth_cdk(platform, platform.names, out)
    return out


@pytest.fixture(scope="session")
def assembly(cdk_out: Path) -> Assembly:
    return read_assembly(cdk_out)
