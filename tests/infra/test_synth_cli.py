"""`tradeinfra synth`: both apps, one command, clear exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import CONFIG_DIR
from tradeinfra import synth as synth_module
from tradeinfra.cli import main
from tradeinfra.errors import CheckFailedError


def test_synth_writes_both_apps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([
        "synth", "--env", "prod", "--config-dir", str(CONFIG_DIR), "--cdk-out", str(tmp_path / "cdk.out"),
        "--cdktf-out", str(tmp_path / "cdktf.out"), "--tfvars-dir", str(tmp_path / "terraform"),
    ])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "8 CloudFormation stacks" in out and "prod-trading-api" in out and "dev-trading-api" not in out
    manifest = json.loads((tmp_path / "cdk.out" / "manifest.json").read_text())
    assert [a for a in manifest["artifacts"] if a.startswith("assembly-")] == ["assembly-prod"]
    assert (tmp_path / "cdktf.out" / "stacks" / "web-tier" / "cdk.tf.json").is_file()
    assert sorted(p.name for p in (tmp_path / "terraform").iterdir()) == ["dev.tfvars", "prod.tfvars", "staging.tfvars"]
    assert not list(tmp_path.glob(".*partial*")), "scratch directories left behind"


def test_unknown_environment_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["synth", "--env", "qa", "--config-dir", str(CONFIG_DIR), "--cdk-out", str(tmp_path / "out")])
    assert code == 1
    assert "unknown environment 'qa'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_compliance_failure_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def failing(*_: object, **__: object) -> None:
        raise CheckFailedError("compliance checks failed: 1 unacknowledged finding(s)")

    monkeypatch.setattr(synth_module, "synth_all", failing)
    assert main(["synth", "--config-dir", str(CONFIG_DIR)]) == 2
    assert "compliance checks failed" in capsys.readouterr().err
