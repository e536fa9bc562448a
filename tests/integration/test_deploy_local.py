"""The CDK app on the emulator: `deploy` records a version; `validate` and
`drift` catch a change made outside a deployment; `promote` gates, deploys and
validates, and rolls back by itself a release that fails validation, without
losing an order; an interrupted deployment is recorded as failed and the next
one recovers. The tests build on each other, in order."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CONFIG_DIR
from tradeinfra.cli import main
from tradeinfra.config import references
from tradeinfra.config.loader import PlatformConfig, load_platform
from tradeinfra.demo import release_that_halts_trading
from tradeinfra.emulator.process import Emulator
from tradeinfra.errors import TradeinfraError
from tradeinfra.ops.checks import Live, Outcome
from tradeinfra.ops.deploy import DeployError, deploy
from tradeinfra.ops.drift import detect_drift
from tradeinfra.ops.history import hold, open_store
from tradeinfra.ops.plan.model import Action
from tradeinfra.ops.plan.preview import preview
from tradeinfra.ops.promote import promote
from tradeinfra.ops.rollback import rollback
from tradeinfra.ops.targets import TargetKind, resolve_target
from tradeinfra.ops.validate import call_in_process, validate
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
    queue = target.client("sqs", platform.environment("dev"))
    url = queue.get_queue_url(QueueName="dev-trading-orders")["QueueUrl"]
    depth = queue.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert depth["Attributes"]["ApproximateNumberOfMessages"] == "0"  # the smoke check placed no order


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


def test_a_consumer_deployed_against_an_older_published_value_is_found_and_a_redeploy_clears_it(
    platform: PlatformConfig, state_dir: Path
) -> None:
    dev = platform.environment("dev")
    target = resolve_target(TargetKind.local, state_dir)
    parameter = references.ALARM_TOPIC_ARN.parameter("dev")
    setting = f"reference {parameter}"
    old = target.client("ssm", dev).get_parameter(Name=parameter)["Parameter"]["Value"]
    # the producer's topic is replaced: its parameter names the new one
    new = target.client("sns", dev).create_topic(Name="dev-trading-alarms-replacement")["TopicArn"]
    target.client("ssm", dev).put_parameter(Name=parameter, Value=new, Type="String", Overwrite=True)

    stale = [c for c in validate(dev, target, ["cdk"]).failed if c.setting == setting]
    assert [(c.resource, c.expected, c.actual) for c in stale] == [("dev-trading-compute", new, old)]
    drifts = detect_drift(platform, "dev", target, state_dir).drifts
    assert ("dev-trading-compute", setting, new, old) in [
        (d.resource, d.property, d.expected, d.actual) for d in drifts
    ]
    # the plan shows what deploying brings up to date: the alarms that notify the topic
    plan = preview(platform, "dev", target, ["cdk"], state_dir)
    planned = [c for c in plan.changes if c.action is not Action.ADD]
    assert planned and {(c.container, c.resource_type, c.action) for c in planned} == {
        ("dev-trading-compute", "AWS::CloudWatch::Alarm", Action.MODIFY)
    }
    assert all(any(old in p.before and new in p.after for p in c.properties) for c in planned)
    assert "not emulated" in plan.apps[0].caveat  # moto has no alarms: planned from the templates alone

    deploy(platform, "dev", target, ["cdk"], state_dir)  # the consumer resolves the parameter again
    checks = {(c.resource, c.setting): c for c in validate(dev, target, ["cdk"]).checks}
    assert (checks[("dev-trading-compute", setting)].actual, checks[("dev-trading-compute", setting)].outcome) == (
        new,
        Outcome.passed,
    )


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
        assert call_in_process(Live(staging, target), "POST", "/orders", order, validate_only=False)[0] == 201

    halting = load_platform(release_that_halts_trading(tmp_path / "config", CONFIG_DIR))
    with pytest.raises(TradeinfraError, match=r"--from dev: it runs another configuration .*runtime\.trading_enabled"):
        promote(halting, "dev", "staging", target, state_dir, ["cdk"])  # dev has not run the release yet
    assert deploy(halting, "dev", target, ["cdk"], state_dir).result == "succeeded"
    result = promote(halting, "dev", "staging", target, state_dir, ["cdk"])

    assert result.rolled_back and result.failure is not None
    assert "smoke order POST /orders: expected 200, got 503" in result.failure
    assert result.rollback_validation is not None and result.rollback_validation.ok  # orders are accepted again
    history = open_store(platform, target, state_dir, "staging").versions()  # from the ledger
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


def another_machine(state_dir: Path, tmp_path: Path) -> Path:
    """A second state directory that knows only where the emulator listens:
    another engineer's laptop, or the pipeline's fresh CodeBuild checkout."""
    other = tmp_path / "other-machine"
    shutil.copytree(state_dir / "emulator", other / "emulator", ignore=shutil.ignore_patterns("*.log"))
    return other


def test_another_machine_sees_the_same_history_and_can_roll_back(
    platform: PlatformConfig, state_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = another_machine(state_dir, tmp_path)
    target = resolve_target(TargetKind.local, other)
    here = [(v.version, v.result, v.git_commit) for v in open_store(platform, target, state_dir, "dev").versions()]

    assert main(["history", "--env", "dev", "--state-dir", str(other), "--format", "json"]) == 0
    there = json.loads(capsys.readouterr().out)["versions"]
    assert [(v["version"], v["result"]) for v in there] == [(version, result) for version, result, _ in here]
    assert all(v["who"] for v in there)

    restored = rollback(platform, "dev", target, other, to="v0001")  # its artifacts come from the ledger
    assert restored.source_version == "v0001" and restored.result == "succeeded"
    assert restored.version == f"v{len(here) + 1:04d}"  # numbered after the first machine's versions
    # What dev runs is known from the ledger: the CDK app only, so no web-tier check. The memory
    # changed by hand earlier survives: CloudFormation redeploys an unchanged template as a no-op.
    assert main(["validate", "--env", "dev", "--state-dir", str(other), "--format", "json"]) == 2
    checks = json.loads(capsys.readouterr().out)["checks"]
    assert not any(c["resource"].startswith(("rds-", "asg-", "alb-")) for c in checks)
    assert [(c["setting"], c["actual"]) for c in checks if c["outcome"] == "failed"] == [("memory (MB)", "1024")]
    seen_here = [v.version for v in open_store(platform, target, state_dir, "dev").versions()]
    assert seen_here[-1] == restored.version


def test_a_second_deploy_of_a_held_environment_is_refused_at_once(
    platform: PlatformConfig, state_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = another_machine(state_dir, tmp_path)
    target = resolve_target(TargetKind.local, state_dir)
    before = [v.version for v in open_store(platform, target, state_dir, "dev").versions()]
    with hold(platform, target, state_dir, "dev", "deploy --app all"):
        started = time.monotonic()
        code = main(["deploy", "--env", "dev", "--app", "cdk", "--state-dir", str(other)])
        elapsed = time.monotonic() - started
    assert code == 1 and elapsed < 5
    message = capsys.readouterr().err
    assert "dev is locked by" in message and "(deploy --app all, since" in message
    assert [v.version for v in open_store(platform, target, state_dir, "dev").versions()] == before  # nothing taken


def test_a_killed_holder_is_recorded_failed_after_force_unlock(
    platform: PlatformConfig, state_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = resolve_target(TargetKind.local, state_dir)
    holder = subprocess.Popen(
        [sys.executable, "-c", KILLED_HOLDER, str(CONFIG_DIR), str(state_dir)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    begun = holder.stdout.readline().strip()  # the version it began, lock held
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    store = open_store(platform, target, state_dir, "dev")
    assert store.get(begun).result == "in-progress"

    assert main(["rollback", "--env", "dev", "--to", "v0001", "--state-dir", str(state_dir)]) == 1
    assert "its heartbeat stopped" not in capsys.readouterr().err  # fresh: the holder looks alive
    ledger = store.ledger
    assert ledger is not None
    ledger.dynamodb.update_item(  # ten minutes pass without a heartbeat
        TableName=ledger.location.table,
        Key={"environment": {"S": "dev"}, "entry": {"S": "lock"}},
        UpdateExpression="SET heartbeat_at = :then",
        ExpressionAttributeValues={":then": {"N": str(time.time() - 600)}},
    )
    assert main(["rollback", "--env", "dev", "--to", "v0001", "--state-dir", str(state_dir), "--force-unlock"]) == 0
    assert store.get(begun).result == "failed" and "interrupted" in store.get(begun).detail
    assert ledger.events()[-1]["kind"] == "force-unlock" and ledger.holder() is None


# Takes dev's lock and begins a version, prints its number, then waits to be killed.
KILLED_HOLDER = """
import sys, time
from pathlib import Path
from tradeinfra.config.loader import load_platform
from tradeinfra.ops.history import hold, open_store
from tradeinfra.ops.targets import TargetKind, resolve_target
platform = load_platform(Path(sys.argv[1]))
target = resolve_target(TargetKind.local, Path(sys.argv[2]))
hold(platform, target, Path(sys.argv[2]), "dev", "deploy --app all").__enter__()
print(open_store(platform, target, Path(sys.argv[2]), "dev").begin(["cdk"], "killed0").version, flush=True)
time.sleep(600)
"""


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
    (failed,) = DeploymentStore(state_dir, "local", "prod").versions()  # the local cache: the ledger went down too
    assert failed.result == "failed" and "not recorded in the ledger" in failed.detail

    running_emulator.start(port)  # a fresh emulator: nothing survived, the ledger included
    target = resolve_target(TargetKind.local, state_dir)
    recovered = deploy(platform, "prod", target, ["cdk"], state_dir)
    assert recovered.version == "v0001" and recovered.result == "succeeded"
    assert open_store(platform, target, state_dir, "prod").versions() == [recovered]
