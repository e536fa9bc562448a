"""A promotion runs the gates once per clean commit and configuration: the
next promotion of the same release reuses what passed them; a changed
configuration file or a dirty checkout runs them again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import CONFIG_DIR
from tradeinfra.config.loader import load_platform
from tradeinfra.ops import promote


@pytest.fixture
def gates(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    runs: list[Path] = []

    def run_gates(platform: object, directory: Path, on_line: object) -> None:
        runs.append(directory)
        (directory / "cdk.out").mkdir(parents=True)
        (directory / "cdk.out" / "manifest.json").write_text(f"run {len(runs)}")

    monkeypatch.setattr(promote, "run_gates", run_gates)
    monkeypatch.setattr(promote, "git_commit", lambda: "c0ffee")
    return runs


def test_the_same_release_passes_the_gates_once(gates: list[Path], tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    platform = load_platform(config)
    for promotion in ("staging", "prod"):
        promote.gates_once(platform, tmp_path / "state", tmp_path / promotion, None)
    assert gates == [tmp_path / "staging"]
    assert (tmp_path / "prod" / "cdk.out" / "manifest.json").read_text() == "run 1"

    (config / "environments" / "prod.yaml").write_text(
        (config / "environments" / "prod.yaml").read_text() + "\n# reviewed\n"
    )
    promote.gates_once(load_platform(config), tmp_path / "state", tmp_path / "again", None)
    assert len(gates) == 2  # another configuration: the gates run


def test_a_dirty_checkout_always_runs_the_gates(
    gates: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(promote, "git_commit", lambda: "c0ffee+changes")
    platform = load_platform(CONFIG_DIR)
    for promotion in ("staging", "prod"):
        promote.gates_once(platform, tmp_path / "state", tmp_path / promotion, None)
    assert len(gates) == 2 and not (tmp_path / "state" / "promotions" / "gates-passed").exists()
