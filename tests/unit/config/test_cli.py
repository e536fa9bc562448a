"""`tradeinfra config ...`: output, exit codes, and no tracebacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CONFIG_DIR, REPO_ROOT
from tests.unit.config.conftest import line_of, replace_in
from tradeinfra.cli import main

PROD = CONFIG_DIR / "environments" / "prod.yaml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_show_prod_json_has_the_spec_values(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "config", "show", "--env", "prod", "--format", "json", "--config-dir", str(CONFIG_DIR))
    assert code == 0
    prod = json.loads(out)
    assert prod["name"] == "prod" and prod["region"] == "us-east-1"
    assert prod["compute"]["memory_mb"] == 2048
    assert prod["api"]["throttling_rate_limit"] == 2000
    assert prod["storage"]["trade_data_expiration_days"] is None
    assert prod["data"]["point_in_time_recovery"] is True
    database, asg = prod["web_tier"]["database"], prod["web_tier"]["autoscaling"]
    assert (database["instance_class"], database["multi_az"]) == ("db.t3.large", True)
    assert (asg["min_size"], asg["max_size"], asg["desired_capacity"]) == (3, 10, 5)
    assert prod["web_tier"]["load_balancer"]["access_logs"] is True
    assert prod["web_tier"]["storage"]["versioning"] is True


def test_show_explain_names_file_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "config", "show", "--env", "prod", "--explain", "--format", "json", "--config-dir", str(CONFIG_DIR)
    )
    assert code == 0
    explained = json.loads(out)
    assert explained["compute.memory_mb"] == {"value": 2048, "source": f"{PROD}:{line_of(PROD, 'memory_mb')}"}
    assert explained["compute.timeout_seconds"]["source"].endswith(
        f"platform.yaml:{line_of(CONFIG_DIR / 'platform.yaml', 'timeout_seconds: 30')}"
    )


def test_show_explain_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "config", "show", "--env", "prod", "--explain", "--config-dir", str(CONFIG_DIR))
    assert code == 0
    memory_line = next(line for line in out.splitlines() if "compute.memory_mb" in line)
    assert "2048" in memory_line and f"prod.yaml:{line_of(PROD, 'memory_mb')}" in memory_line


def test_show_explain_text_keeps_long_paths_whole(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path.joinpath(*["a-rather-long-directory-name"] * 6, "config")
    shutil.copytree(CONFIG_DIR, deep)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the file is not below the working directory: shown in full
    code, out, _ = run(capsys, "config", "show", "--env", "prod", "--explain", "--config-dir", str(deep))
    assert code == 0
    memory_line = next(line for line in out.splitlines() if "compute.memory_mb" in line)
    assert f"{deep / 'environments' / 'prod.yaml'}:{line_of(PROD, 'memory_mb')}" in memory_line


def test_matrix_json_marks_varying_and_declared(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "config", "matrix", "--format", "json", "--config-dir", str(CONFIG_DIR))
    assert code == 0
    rows = {row["path"]: row for row in json.loads(out)["settings"]}
    assert rows["compute.memory_mb"] == {
        "path": "compute.memory_mb",
        "values": {"dev": 512, "staging": 1024, "prod": 2048},
        "varies": True,
        "declared": True,
    }
    assert rows["compute.timeout_seconds"]["varies"] is False


def test_matrix_text_lists_environments(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "config", "matrix", "--varying-only", "--config-dir", str(CONFIG_DIR))
    assert code == 0
    assert "dev" in out and "staging" in out and "prod" in out
    assert "compute.memory_mb" in out and "compute.timeout_seconds" not in out


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "config", "validate", "--config-dir", str(CONFIG_DIR))
    assert code == 0 and "valid" in out


def test_validate_reports_every_issue_and_exits_1(config_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replace_in(config_copy / "environments" / "prod.yaml", "memory_mb: 2048", "memory_mb: big")
    code, _, err = run(capsys, "config", "validate", "--config-dir", str(config_copy))
    assert code == 1
    assert "prod.yaml:" in err and "compute.memory_mb" in err and "valid integer" in err
    assert "Traceback" not in err


def test_validate_json_issues(config_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replace_in(config_copy / "environments" / "prod.yaml", "memory_mb: 2048", "memory_mb: big")
    code, out, _ = run(capsys, "config", "validate", "--format", "json", "--config-dir", str(config_copy))
    assert code == 1
    report = json.loads(out)
    assert report["valid"] is False
    assert report["issues"][0]["path"] == "compute.memory_mb"
    assert report["issues"][0]["file"].endswith("prod.yaml")


@pytest.mark.parametrize(
    "args",
    [
        ("config", "show", "--env", "qa"),
        ("config", "show"),
        ("config", "matrix", "--format", "xml"),
        ("config", "frobnicate"),
        ("deploy-everything",),
    ],
)
def test_bad_usage_exits_1(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    code, _, err = run(
        capsys, *args, *(("--config-dir", str(CONFIG_DIR)) if args[0] == "config" and len(args) > 2 else ())
    )
    assert code == 1
    assert err.strip() and "Traceback" not in err


def test_unknown_environment_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "config", "show", "--env", "qa", "--config-dir", str(CONFIG_DIR))
    assert code == 1
    assert "unknown environment 'qa': expected one of dev, staging, prod" in err


def test_schema_is_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "config", "schema", "--check", "--config-dir", str(CONFIG_DIR))
    assert code == 0, err


def test_schema_writes_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "schema.json"
    code, _, _ = run(capsys, "config", "schema", "--output", str(target))
    assert code == 0
    assert json.loads(target.read_text())["$defs"]["PlatformFile"]["required"] == ["environments", "defaults"]


def test_schema_output_into_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "config", "schema", "--output", str(tmp_path / "no" / "schema.json"))
    assert code == 1 and "does not exist" in err
    assert not (tmp_path / "no").exists()


def test_console_script_exit_code_without_traceback(config_copy: Path) -> None:
    """The installed entry point, as a user runs it."""
    (config_copy / "environments" / "dev.yaml").write_text("account: [\n")
    result = subprocess.run(
        [sys.executable, "-m", "tradeinfra.cli", "config", "validate", "--config-dir", str(config_copy)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    assert result.returncode == 1
    assert "dev.yaml" in result.stderr and "invalid YAML" in result.stderr
    assert "Traceback" not in result.stderr
