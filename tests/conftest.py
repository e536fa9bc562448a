"""Fixtures shared by every test tier."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeinfra.config.loader import PlatformConfig, load_platform

pytest_plugins = ["pytester"]  # a test runs a session of its own (tests/integration/test_emulator.py)

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO_ROOT / "config"


@pytest.fixture(scope="session")
def platform() -> PlatformConfig:
    """The real configuration, loaded once per session."""
    return load_platform(CONFIG_DIR)
