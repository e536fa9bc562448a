"""`tradeinfra parity`: exit codes, and the four report formats."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import CONFIG_DIR
from tests.infra.tf.conftest import TfSynth
from tradeinfra.cli import main


def parity(capsys: pytest.CaptureFixture[str], cdk: Path, tf: TfSynth, *extra: str) -> tuple[int, str, str]:
    code = main([
        "parity", "--cdk-out", str(cdk), "--cdktf-out", str(tf.out), "--tfvars-dir", str(tf.tfvars),
        "--config-dir", str(CONFIG_DIR), *extra,
    ])  # fmt: skip
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def drifted(cdk_out: Path, tmp_path: Path) -> Path:
    """A copy of the assembly where prod's order processor has a 60 s timeout."""
    copy = tmp_path / "cdk.out"
    shutil.copytree(cdk_out, copy, ignore=shutil.ignore_patterns("asset.*"))
    template = next((copy / "assembly-prod").glob("prodcompute*.template.json"))
    data = json.loads(template.read_text())
    function = next(
        r for lid, r in data["Resources"].items() if r["Type"] == "AWS::Lambda::Function" and "OrderProcessor" in lid
    )
    function["Properties"]["Timeout"] = 60
    template.write_text(json.dumps(data))
    return copy


def test_consistent_exits_0(capsys: pytest.CaptureFixture[str], cdk_out: Path, tf_synth: TfSynth) -> None:
    code, out, _ = parity(capsys, cdk_out, tf_synth)
    assert code == 0
    assert "consistent" in out and "compute.memory_mb" in out


def test_findings_exit_2_with_json(capsys: pytest.CaptureFixture[str], drifted: Path, tf_synth: TfSynth) -> None:
    code, out, _ = parity(capsys, drifted, tf_synth, "--format", "json")
    assert code == 2
    report = json.loads(out)
    assert report["consistent"] is False
    (finding,) = report["findings"]
    assert set(finding) == {"rule", "severity", "environments", "stack", "resource", "path", "values", "message"}
    assert (finding["rule"], finding["stack"], finding["resource"], finding["path"]) == (
        "PAR001", "compute", "OrderProcessor/Resource", "Properties.Timeout",
    )  # fmt: skip
    assert finding["environments"] == ["prod"] and finding["values"] == {"dev": "30", "staging": "30", "prod": "60"}


def test_text_lists_the_finding(capsys: pytest.CaptureFixture[str], drifted: Path, tf_synth: TfSynth) -> None:
    code, out, _ = parity(capsys, drifted, tf_synth)
    assert code == 2
    assert "PAR001" in out and "Properties.Timeout" in out


def test_markdown(capsys: pytest.CaptureFixture[str], drifted: Path, tf_synth: TfSynth) -> None:
    code, out, _ = parity(capsys, drifted, tf_synth, "--format", "markdown")
    assert code == 2
    assert out.startswith("## Environment parity")
    assert "| PAR001 | high | compute | `OrderProcessor/Resource` | `Properties.Timeout` | 30 | 30 | **60** |" in out


def test_html_is_self_contained(
    capsys: pytest.CaptureFixture[str], drifted: Path, tf_synth: TfSynth, tmp_path: Path
) -> None:
    target = tmp_path / "parity.html"
    code, out, _ = parity(capsys, drifted, tf_synth, "--format", "html", "--output", str(target))
    assert code == 2 and f"wrote {target}" in out
    page = target.read_text()
    assert page.startswith("<!doctype html>") and page.endswith("</html>\n")
    assert not re.search(r"(src|href)\s*=|https?://|<script|@import", page), "the page must work offline"
    assert "PAR001" in page and "Resource inventory" in page and "compute.memory_mb" in page


def test_missing_assembly_is_bad_input(capsys: pytest.CaptureFixture[str], tf_synth: TfSynth, tmp_path: Path) -> None:
    code, _, err = parity(capsys, tmp_path / "nowhere", tf_synth)
    assert code == 1 and "not found" in err and "Traceback" not in err


def test_corrupt_template_is_bad_input(capsys: pytest.CaptureFixture[str], drifted: Path, tf_synth: TfSynth) -> None:
    next((drifted / "assembly-dev").glob("devdata*.template.json")).write_text("{not json")
    code, _, err = parity(capsys, drifted, tf_synth)
    assert code == 1 and "unreadable cloud assembly file" in err


def test_assembly_for_one_environment_is_bad_input(
    capsys: pytest.CaptureFixture[str], drifted: Path, tf_synth: TfSynth
) -> None:
    manifest = json.loads((drifted / "manifest.json").read_text())
    manifest["artifacts"] = {k: v for k, v in manifest["artifacts"].items() if k != "assembly-dev"}
    (drifted / "manifest.json").write_text(json.dumps(manifest))
    code, _, err = parity(capsys, drifted, tf_synth)
    assert code == 1 and "no stacks for dev" in err


def test_malformed_tfvars_is_bad_input(
    capsys: pytest.CaptureFixture[str], cdk_out: Path, tf_synth: TfSynth, tmp_path: Path
) -> None:
    tfvars = tmp_path / "terraform"
    shutil.copytree(tf_synth.tfvars, tfvars)
    (tfvars / "staging.tfvars").write_text((tfvars / "staging.tfvars").read_text() + "asg_max_size 4\n")
    code = main([
        "parity", "--cdk-out", str(cdk_out), "--cdktf-out", str(tf_synth.out), "--tfvars-dir", str(tfvars),
        "--config-dir", str(CONFIG_DIR),
    ])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and "staging.tfvars:" in err and "expected 'name = value'" in err
