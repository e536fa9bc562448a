"""Helpers to build broken copies of the real configuration."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import CONFIG_DIR


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    """A writable copy of config/ to break in one way per test."""
    target = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, target)
    return target


def replace_in(path: Path, old: str, new: str) -> None:
    """Replace exactly one occurrence of `old` in `path`."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    """1-based line number of the single line containing `needle`."""
    lines = [n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    assert len(lines) == 1, f"{needle!r} on lines {lines} of {path}"
    return lines[0]
