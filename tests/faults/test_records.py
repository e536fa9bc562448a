"""Records are validated on read: a truncated or edited version record,
environment record or result file names its file and what is wrong; a
listing skips it and goes on, only what needs that record fails, and a
rollback never copies an invalid artifact."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.errors import TradeinfraError
from tradeinfra.ops.results import load_result, save_result
from tradeinfra.ops.rollback import check_artifacts, rollback_source
from tradeinfra.ops.versions import (
    RESULTS,
    DeploymentStore,
    DeploymentVersion,
    NotDeployedError,
    RecordError,
    parse_version,
    write_environment,
)

text = st.text(max_size=30)
versions = st.builds(
    DeploymentVersion,
    version=st.integers(1, 99999).map(lambda n: f"v{n:04d}"),
    environment=st.sampled_from(["dev", "staging", "prod"]),
    target=st.sampled_from(["local", "aws"]),
    apps=st.lists(st.sampled_from(["cdk", "tf"]), unique=True),
    git_commit=text,
    started_at=text,
    result=st.sampled_from(RESULTS),
    finished_at=st.none() | text,
    detail=text,
    stacks=st.lists(text, max_size=3),
    source_version=st.none() | st.integers(1, 9999).map(lambda n: f"v{n:04d}"),
    who=text,
)


@given(versions)
def test_any_valid_record_reads_back_as_written(version: DeploymentVersion) -> None:
    assert parse_version(json.loads(json.dumps(asdict(version))), "record") == version


MUTATIONS: list[tuple[str, Any]] = [
    ("version", "1"),
    ("version", None),
    ("apps", "cdk"),
    ("apps", [1]),
    ("result", "maybe"),
    ("stacks", {"a": 1}),
    ("environment", ["dev"]),
    ("started_at", None),
]


@given(versions, st.sampled_from(MUTATIONS))
def test_any_broken_field_is_refused_by_name(version: DeploymentVersion, mutation: tuple[str, Any]) -> None:
    field, value = mutation
    record = {**asdict(version), field: value}
    with pytest.raises(RecordError) as refused:
        parse_version(record, "somewhere/version.json")
    message = str(refused.value)
    assert message.startswith("somewhere/version.json: unreadable version record: ") and field in message


@given(versions, st.sampled_from(["version", "environment", "apps", "git_commit", "started_at", "target"]))
def test_a_missing_field_is_refused_by_name(version: DeploymentVersion, missing: str) -> None:
    record = {k: v for k, v in asdict(version).items() if k != missing}
    with pytest.raises(RecordError, match=f"{missing}: Field required"):
        parse_version(record, "record")


def recorded(store: DeploymentStore, result: str = "succeeded") -> DeploymentVersion:
    version = store.begin(["cdk"], "abc123")
    return store.finish(version, result)


def test_a_truncated_record_is_skipped_in_listings_and_named_where_needed(tmp_path: Path) -> None:
    store = DeploymentStore(tmp_path, "local", "dev")
    first, second, third = recorded(store), recorded(store), recorded(store)
    record = tmp_path / "deployments" / "local" / "dev" / second.version / "version.json"
    record.write_text(record.read_text()[:40])  # a crash mid-write of an older tool, a full disk
    assert [v.version for v in store.versions()] == [first.version, third.version]
    (problem,) = store.problems.values()
    assert problem.startswith(f"{record}: unreadable version record (not JSON: ")
    with pytest.raises(RecordError, match=re.escape(f"--to {second.version}: {record}: unreadable version record")):
        store.get(second.version)
    assert rollback_source(store, None) == first  # the others still serve


def test_a_record_of_the_wrong_shape_is_named(tmp_path: Path) -> None:
    store = DeploymentStore(tmp_path, "local", "dev")
    version = recorded(store)
    record = tmp_path / "deployments" / "local" / "dev" / version.version / "version.json"
    record.write_text(json.dumps({**asdict(version), "result": "done"}))
    assert store.versions() == []
    assert "result: expected one of in-progress" in store.problems[version.version]


def test_a_rollback_never_copies_an_invalid_environment_record(tmp_path: Path, platform: PlatformConfig) -> None:
    directory = tmp_path / "v0001"
    directory.mkdir()
    write_environment(directory, platform.environment("dev"))
    (directory / "environment.json").write_text('{"name": "dev", "account": ')
    with pytest.raises(RecordError) as refused:
        check_artifacts(directory, "dev", ["tf"])
    assert str(refused.value).startswith("cannot roll back to this version: ")
    assert str(directory / "environment.json") in str(refused.value)


def test_a_rollback_needs_the_assembly_and_the_tfvars_it_names(tmp_path: Path, platform: PlatformConfig) -> None:
    directory = tmp_path / "v0001"
    directory.mkdir()
    write_environment(directory, platform.environment("dev"))
    with pytest.raises(RecordError, match=r"cdk\.out"):
        check_artifacts(directory, "dev", ["cdk"])
    with pytest.raises(RecordError, match=r"cdk\.tf\.json: not found"):
        check_artifacts(directory, "dev", ["tf"])


def test_a_corrupt_result_file_is_named_not_crashed_on(tmp_path: Path) -> None:
    save_result(
        tmp_path,
        "local",
        "dev",
        "drift",
        {
            "environment": "dev",
            "target": "local",
            "versions": "v0001",
            "drifted": False,
            "checked": [],
            "drifts": [],
        },
    )
    assert load_result(tmp_path, "local", "dev", "drift") is not None
    path = tmp_path / "results" / "local" / "dev" / "drift.json"
    path.write_text('{"environment": "dev", "drifted": "perhaps"}')
    with pytest.raises(TradeinfraError, match=re.escape(f"{path}: unreadable drift result: ")):
        load_result(tmp_path, "local", "dev", "drift")
    path.write_text("{")
    with pytest.raises(TradeinfraError, match=r"not JSON"):
        load_result(tmp_path, "local", "dev", "drift")


def test_an_in_progress_record_reads_back(tmp_path: Path) -> None:
    store = DeploymentStore(tmp_path, "local", "dev")
    begun = store.begin(["tf"], "abc")
    assert store.versions() == [begun] and store.problems == {}


def test_nothing_deployed_is_said_one_way(tmp_path: Path) -> None:
    with pytest.raises(NotDeployedError) as empty:
        rollback_source(DeploymentStore(tmp_path, "local", "staging"), None)
    assert str(empty.value) == (
        "staging on local: nothing is recorded as deployed: run 'tradeinfra deploy --env staging --target local' first"
    )
