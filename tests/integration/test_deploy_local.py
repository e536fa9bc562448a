"""The CDK app on the emulator: `deploy` records a version; `validate` and
`drift` catch a change made outside a deployment; `promote` gates, deploys and
validates, and rolls back by itself a release that fails validation, without
losing an order; an interrupted deployment is recorded as failed and the next
one recovers. The tests build on each other, in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CONFIG_DIR
from tradeinfra.config.loader import PlatformConfig, load_platform
from tradeinfra.demo import release_that_halts_trading
from tradeinfra.errors import TradeinfraError
from tradeinfra.ops.deploy import DeployError, deploy
from tradeinfra.ops.drift import detect_drift
from tradeinfra.ops.emulator import Emulator
from tradeinfra.ops.promote import promote
from tradeinfra.ops.targets import TargetKind, resolve_target
from tradeinfra.ops.validate import Live, Outcome, call_in_process, validate
from tradeinfra.ops.versions import DeploymentStore


def test_dev_is_deployed_with_its_configured_settings(
    platform: PlatformConfig, running_emulator: Emulator, state_dir: Path
) -> None:
    target = resolve_target(TargetKind.local, state_dir)
    version = deploy(platform, "dev", target, ["cdk"], state_dir)
    assert version.result == "succeeded" and version.version == "v0001"
    assert len(version.stacks) == 8
    dev = platform.environment("dev")
    functions = target.client("lambda", dev)
    live = functions.get_function_configuration(FunctionName="dev-trading-order-processor", Qualifier="live")
    assert live["MemorySize"] == dev.compute.memory_mb == 512
    reserved = functions.get_function_concurrency(FunctionName="dev-trading-order-processor")
    assert reserved["ReservedConcurrentExecutions"] == dev.compute.reserved_concurrency
    recorded = DeploymentStore(state_dir, "local", "dev").directory("v0001") / "cdk.out"
    assert any(recorded.glob("assembly-dev/*compute*.template.json"))  # what was deployed is kept


def test_accounts_stay_apart(platform: PlatformConfig, state_dir: Path) -> None:
    target = resolve_target(TargetKind.local, state_dir)
    staging = target.client("lambda", platform.environment("staging"))
    names = [f["FunctionName"] for f in staging.list_functions()["Functions"]]
    assert "dev-trading-order-processor" not in names  # dev went to account 111111111111 only


def test_validation_passes_after_deployment_and_names_what_is_not_emulated(
    platform: PlatformConfig, state_dir: Path
) -> None:
    target = resolve_target(TargetKind.local, state_dir)
    report = validate(platform.environment("dev"), target, ["cdk"])
    assert report.ok, [c for c in report.checks if c.outcome is Outcome.failed]
    by_setting = {(c.resource, c.setting): c for c in report.checks}
    memory = by_setting[("dev-trading-order-processor", "memory (MB)")]
    assert (memory.expected, memory.actual, memory.outcome) == ("512", "512", Outcome.passed)
    assert by_setting[("smoke order", "POST /orders")].outcome is Outcome.passed
    not_emulated = {c.setting for c in report.checks if c.outcome is Outcome.not_emulated}
    assert {"point-in-time recovery", "throttling rate (req/s)"} <= not_emulated


def test_a_setting_changed_out_of_band_fails_validation(platform: PlatformConfig, state_dir: Path) -> None:
    dev = platform.environment("dev")
    target = resolve_target(TargetKind.local, state_dir)
    target.client("lambda", dev).update_function_configuration(
        FunctionName="dev-trading-order-processor", MemorySize=1024
    )
    report = validate(dev, target, ["cdk"])
    (failed,) = report.failed
    assert (failed.resource, failed.setting, failed.expected, failed.actual) == (
        "dev-trading-order-processor",
        "memory (MB)",
        "512",
        "1024",
    )


def test_drift_names_the_change_made_outside_a_deployment(platform: PlatformConfig, state_dir: Path) -> None:
    report = detect_drift(platform, "dev", resolve_target(TargetKind.local, state_dir), state_dir)
    assert [(d.source, d.resource, d.property, d.expected, d.actual) for d in report.drifts] == [
        ("conformance", "dev-trading-order-processor", "memory (MB)", "512", "1024")
    ]
    assert report.versions == "cdk v0001"


def test_promotion_to_staging_is_gated_deployed_and_validated(platform: PlatformConfig, state_dir: Path) -> None:
    target = resolve_target(TargetKind.local, state_dir)
    result = promote(platform, "dev", "staging", target, state_dir, ["cdk"])
    assert result.ok, result.failure
    assert result.version is not None and result.version.version == "v0001"
    assert result.validation is not None and result.validation.ok
    staging = platform.environment("staging")
    live = target.client("lambda", staging).get_function_configuration(
        FunctionName="staging-trading-order-processor", Qualifier="live"
    )
    assert live["MemorySize"] == staging.compute.memory_mb == 1024


def test_orders_survive_a_failed_promotion_and_its_automatic_rollback(
    platform: PlatformConfig, state_dir: Path, tmp_path: Path
) -> None:
    target = resolve_target(TargetKind.local, state_dir)
    staging = platform.environment("staging")
    placed = [f"kept-order-{n}" for n in range(5)]
    for order_id in placed:
        order = {"client_order_id": order_id, "symbol": "ACME", "side": "SELL", "quantity": 3, "limit_price": "9.50"}
        assert call_in_process(Live(staging, target), "POST", "/orders", order)[0] == 201

    halting = load_platform(release_that_halts_trading(tmp_path / "config", CONFIG_DIR))
    with pytest.raises(TradeinfraError, match=r"--from dev: it runs another configuration .*runtime\.trading_enabled"):
        promote(halting, "dev", "staging", target, state_dir, ["cdk"])  # dev has not run the release yet
    assert deploy(halting, "dev", target, ["cdk"], state_dir).result == "succeeded"
    result = promote(halting, "dev", "staging", target, state_dir, ["cdk"])

    assert result.rolled_back and result.failure is not None
    assert "smoke order POST /orders: expected 201, got 503" in result.failure
    assert result.rollback_validation is not None and result.rollback_validation.ok  # orders are accepted again
    history = DeploymentStore(state_dir, "local", "staging").versions()
    assert [(v.version, v.result, v.source_version) for v in history] == [
        ("v0001", "succeeded", None),
        ("v0002", "rolled-back", None),
        ("v0003", "succeeded", "v0001"),
    ]
    table = target.client("dynamodb", staging)
    stored = {
        item["order_id"]["S"]
        for page in table.get_paginator("scan").paginate(TableName="staging-trading-orders")
        for item in page["Items"]
    }
    assert set(placed) <= stored


def test_interrupted_deployment_is_recorded_and_the_next_one_recovers(
    platform: PlatformConfig, running_emulator: Emulator, state_dir: Path
) -> None:
    port = running_emulator.recorded_port()
    assert port is not None
    target = resolve_target(TargetKind.local, state_dir)

    def stop_midway(line: str) -> None:
        if "[3/8]" in line:
            running_emulator.stop()

    with pytest.raises(DeployError) as failure:
        deploy(platform, "prod", target, ["cdk"], state_dir, on_line=stop_midway)
    assert "deployment v0001 of prod to local failed" in str(failure.value)
    store = DeploymentStore(state_dir, "local", "prod")
    (failed,) = store.versions()
    assert failed.result == "failed" and failed.detail

    running_emulator.start(port)  # a fresh emulator: nothing survived
    recovered = deploy(platform, "prod", resolve_target(TargetKind.local, state_dir), ["cdk"], state_dir)
    assert recovered.version == "v0002" and recovered.result == "succeeded"
    assert [v.result for v in store.versions()] == ["failed", "succeeded"]
