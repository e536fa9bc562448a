"""config/schema.json describes the real files and rejects bad ones."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.conftest import CONFIG_DIR
from tradeinfra.config.yaml_source import read_yaml

SCHEMA = json.loads((CONFIG_DIR / "schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
FILES = [
    CONFIG_DIR / "platform.yaml",
    CONFIG_DIR / "access.yaml",
    *sorted((CONFIG_DIR / "environments").glob("*.yaml")),
]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_references_the_schema(path) -> None:  # type: ignore[no-untyped-def]
    first = path.read_text().splitlines()[0]
    expected = "schema.json" if path.parent == CONFIG_DIR else "../schema.json"
    assert first == f"# yaml-language-server: $schema={expected}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_real_files_match_the_schema(path) -> None:  # type: ignore[no-untyped-def]
    data, _ = read_yaml(path)
    assert [e.message for e in VALIDATOR.iter_errors(data)] == []


def test_schema_rejects_a_wrong_type_in_an_override() -> None:
    data, _ = read_yaml(CONFIG_DIR / "environments" / "prod.yaml")
    data["overrides"]["compute"]["memory_mb"] = "big"
    assert not VALIDATOR.is_valid(data)


def test_schema_rejects_an_unknown_variation() -> None:
    data, _ = read_yaml(CONFIG_DIR / "platform.yaml")
    data["variations"]["compute.memroy_mb"] = {"reason": "a typo in the path"}
    assert not VALIDATOR.is_valid(data)


def test_schema_requires_every_default() -> None:
    data, _ = read_yaml(CONFIG_DIR / "platform.yaml")
    del data["defaults"]["compute"]["tracing"]
    assert not VALIDATOR.is_valid(data)


def test_schema_rejects_an_unknown_resource_in_a_contract() -> None:
    data, _ = read_yaml(CONFIG_DIR / "access.yaml")
    data["workloads"]["order-processor"]["must"][0]["on"] = ["order-table"]
    assert list(VALIDATOR.iter_errors(data))
