"""Deployment records and how a failed CDK deployment is described."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeinfra.ops.deploy import describe_cdk_failure
from tradeinfra.ops.versions import DeploymentStore, UnknownVersionError


def test_versions_are_numbered_and_recorded(tmp_path: Path) -> None:
    store = DeploymentStore(tmp_path, "local", "dev")
    first = store.begin(["cdk"], "abc123")
    store.finish(first, "succeeded", stacks=["dev-trading-api"])
    second = store.begin(["cdk"], "def456")
    assert (first.version, second.version) == ("v0001", "v0002")
    store.finish(second, "failed", detail="stack dev-trading-compute: boom")
    recorded = store.versions()
    assert [(v.version, v.result, v.git_commit) for v in recorded] == [
        ("v0001", "succeeded", "abc123"),
        ("v0002", "failed", "def456"),
    ]
    assert recorded[0].stacks == ["dev-trading-api"] and recorded[1].finished_at is not None
    last = store.last_succeeded()
    assert last is not None and last.version == "v0001"


def test_unknown_version_names_the_recorded_ones(tmp_path: Path) -> None:
    store = DeploymentStore(tmp_path, "local", "prod")
    store.finish(store.begin(["cdk"], "abc"), "succeeded")
    with pytest.raises(UnknownVersionError, match=r"--to v0042: no such version of prod on local \(recorded: v0001\)"):
        store.get("v0042")


def test_cdk_failure_names_stack_and_reason() -> None:
    output = [
        "dev/compute (dev-trading-compute): deploying... [7/8]",
        "❌  dev-trading-compute failed to deploy",
        "‣ ValidationException: Value '' at 'value' failed to satisfy constraint",
    ]
    assert describe_cdk_failure(output) == (
        "stack dev-trading-compute: ValidationException: Value '' at 'value' failed to satisfy constraint"
    )
    assert describe_cdk_failure(["something else went wrong"]) is None
