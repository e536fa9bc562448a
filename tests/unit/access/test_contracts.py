"""Bad contract files: one clear `file:line: key: problem` line each, exit 1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tradeinfra.access.contracts import ContractError, load_contracts
from tradeinfra.cli import main

CONFIG_DIR = Path(__file__).resolve().parents[3] / "config"


@pytest.fixture
def contracts_dir(tmp_path: Path) -> Path:
    shutil.copy(CONFIG_DIR / "access.yaml", tmp_path / "access.yaml")
    return tmp_path


def edit(directory: Path, old: str, new: str) -> Path:
    path = directory / "access.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return path


def line_of(path: Path, needle: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def only_error(directory: Path) -> str:
    with pytest.raises(ContractError) as caught:
        load_contracts(directory)
    lines = str(caught.value).splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_the_real_file_loads() -> None:
    contracts = load_contracts(CONFIG_DIR)
    assert contracts.workloads["order-processor"].must
    assert contracts.everyone.never and contracts.boundary.never


def test_unknown_workload(contracts_dir: Path) -> None:
    path = edit(contracts_dir, "  rds-monitoring:\n", "  rds-monitor:\n")
    message = only_error(contracts_dir).split(" | ")[0]
    assert message.startswith(f"{path}:{line_of(path, 'rds-monitor:')}: workloads.rds-monitor: unknown workload")
    assert "rds-monitoring" in message  # what was expected


def test_unknown_resource(contracts_dir: Path) -> None:
    path = edit(contracts_dir, "        on: orders-table\n", "        on: order-table\n")
    message = only_error(contracts_dir)
    assert message.startswith(f"{path}:{line_of(path, 'on: order-table')}: workloads.order-processor.must.0.on: ")
    assert "unknown resource 'order-table'" in message and "orders-table" in message


def test_unknown_action(contracts_dir: Path) -> None:
    path = edit(contracts_dir, '"dynamodb:PutItem", "dynamodb:GetItem"', '"dynamodb:PutItems", "dynamodb:GetItem"')
    message = only_error(contracts_dir)
    assert message.startswith(f"{path}:{line_of(path, 'dynamodb:PutItems')}: workloads.order-processor.must.0.actions:")
    assert "unknown action 'dynamodb:PutItems'" in message


def test_wildcard_action_is_refused(contracts_dir: Path) -> None:
    edit(contracts_dir, '"dynamodb:PutItem", "dynamodb:GetItem"', '"dynamodb:*", "dynamodb:GetItem"')
    assert "expected service:Action with no wildcard" in only_error(contracts_dir)


def test_wrong_type(contracts_dir: Path) -> None:
    path = edit(contracts_dir, "        on: orders-table\n", "        on: {table: orders}\n")
    message = only_error(contracts_dir)
    assert message.startswith(f"{path}:{line_of(path, 'on: {table')}: workloads.order-processor.must.0.on")


def test_unknown_key(contracts_dir: Path) -> None:
    path = edit(contracts_dir, "        on: orders-table\n", "        on: orders-table\n        when: always\n")
    message = only_error(contracts_dir)
    assert message.startswith(f"{path}:{line_of(path, 'when: always')}: workloads.order-processor.must.0.when:")


def test_a_workload_without_a_contract(contracts_dir: Path) -> None:
    path = contracts_dir / "access.yaml"
    text = path.read_text()
    start = text.index("  rds-monitoring:\n")
    end = text.index("  web-tier-state:\n")
    path.write_text(text[:start] + text[end:])
    assert "no contract for rds-monitoring" in only_error(contracts_dir)


def test_cli_reports_a_bad_contract_file_with_exit_1(contracts_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(CONFIG_DIR, contracts_dir / "config")
    edit(contracts_dir / "config", "        on: orders-table\n", "        on: order-table\n")
    assert main(["access", "--config-dir", str(contracts_dir / "config")]) == 1
    err = capsys.readouterr().err
    assert "unknown resource 'order-table'" in err and "Traceback" not in err
