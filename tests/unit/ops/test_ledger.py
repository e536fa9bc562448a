"""The deployment ledger against moto's DynamoDB and S3 (in process): shared
history across machines, unique version numbers, the environment lock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from tests.unit.conftest import use_fake_credentials
from tradeinfra.emulator.adaptations import dynamodb
from tradeinfra.ops.ledger import EnvironmentLock, Ledger, LedgerLocation, LockHeldError
from tradeinfra.ops.versions import ARTIFACTS, DeploymentStore

LOCATION = LedgerLocation("444444444444", "us-east-1", "trading-deployments", "trading-deployments-tooling")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_fake_credentials(monkeypatch)
    dynamodb.apply()  # as the emulator does: DynamoDB's writes are atomic, moto's are not across threads
    with mock_aws():
        boto3.client("dynamodb").create_table(
            TableName=LOCATION.table,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "environment", "KeyType": "HASH"},
                {"AttributeName": "entry", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "environment", "AttributeType": "S"},
                {"AttributeName": "entry", "AttributeType": "S"},
            ],
        )
        boto3.client("s3").create_bucket(Bucket=LOCATION.bucket)
        yield


def ledger(environment: str = "dev") -> Ledger:
    return Ledger(boto3.client("dynamodb"), boto3.client("s3"), LOCATION, environment)


def store(state_dir: Path, environment: str = "dev") -> DeploymentStore:
    return DeploymentStore(state_dir, "local", environment, ledger=ledger(environment))


def test_two_machines_see_the_same_versions_and_artifacts(aws: None, tmp_path: Path) -> None:
    laptop, build = store(tmp_path / "laptop"), store(tmp_path / "codebuild")
    first = laptop.begin(["cdk", "tf"], "c0ffee")
    (laptop.directory(first.version) / "environment.json").write_text('{"name": "dev"}')
    laptop.finish(first, "succeeded", stacks=["dev-trading-data"])
    second = build.begin(["cdk"], "decaf0")
    assert second.version == "v0002"  # numbered after the laptop's, not from its own empty folder
    build.finish(second, "failed", detail="stack dev-trading-api: boom")

    seen = [(v.version, v.result, v.git_commit, v.apps) for v in build.versions()]
    assert seen == [("v0001", "succeeded", "c0ffee", ["cdk", "tf"]), ("v0002", "failed", "decaf0", ["cdk"])]
    assert laptop.versions() == build.versions()
    assert build.versions()[0].who  # who deployed it
    assert (build.directory("v0001") / "environment.json").read_text() == '{"name": "dev"}'  # fetched
    assert build.last_succeeded(apps=["tf"]) == laptop.get("v0001")


def test_concurrent_writers_never_share_a_version_number(aws: None, tmp_path: Path) -> None:
    def begin(machine: int) -> str:
        return store(tmp_path / f"machine{machine}").begin(["cdk"], f"commit{machine}").version

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(begin, range(16)))
    assert sorted(numbers) == [f"v{n:04d}" for n in range(1, 17)]


def test_environments_are_numbered_apart(aws: None, tmp_path: Path) -> None:
    assert store(tmp_path, "dev").begin(["cdk"], "c").version == "v0001"
    assert store(tmp_path, "prod").begin(["cdk"], "c").version == "v0001"


def test_a_stale_cache_from_an_earlier_ledger_is_replaced(aws: None, tmp_path: Path) -> None:
    stale = tmp_path / "deployments" / "local" / "dev" / "v0001"
    (stale / "cdk.out").mkdir(parents=True)
    version = store(tmp_path).begin(["cdk"], "c")
    assert version.version == "v0001" and not (stale / "cdk.out").exists()


def test_a_second_operation_is_refused_at_once_naming_the_holder(aws: None) -> None:
    with EnvironmentLock(ledger(), "deploy --app all", owner="alice@laptop"):
        started = time.monotonic()
        with (
            pytest.raises(
                LockHeldError, match=r"dev is locked by alice@laptop \(deploy --app all, since .*wait for it"
            ),
            EnvironmentLock(ledger(), "rollback", owner="bob@desk"),
        ):
            pass
        assert time.monotonic() - started < 5
    with EnvironmentLock(ledger(), "rollback", owner="bob@desk"):  # released: free again
        assert ledger().holder() is not None and ledger().holder().owner == "bob@desk"  # type: ignore[union-attr]
    assert ledger().holder() is None


def test_the_lock_is_released_when_the_operation_fails(aws: None) -> None:
    with pytest.raises(RuntimeError), EnvironmentLock(ledger(), "deploy"):
        raise RuntimeError("deployment failed")
    assert ledger().holder() is None


def test_a_live_holder_cannot_be_forced_out(aws: None) -> None:
    with (
        EnvironmentLock(ledger(), "deploy", owner="alice@laptop"),
        pytest.raises(LockHeldError, match=r"--force-unlock refused: alice@laptop \(deploy\) is alive"),
        EnvironmentLock(ledger(), "deploy", owner="bob@desk", force_unlock=True),
    ):
        pass


def test_a_crashed_holder_is_taken_over_and_its_version_recorded_failed(aws: None, tmp_path: Path) -> None:
    crashed = store(tmp_path / "crashed")
    version = crashed.begin(["cdk"], "c")
    token = ledger().try_lock("alice@laptop", "deploy --app all")  # then SIGKILL: no release, no heartbeat
    assert token is not None
    with pytest.raises(
        LockHeldError, match="its heartbeat stopped: if that process is gone, run again with --force-unlock"
    ):
        EnvironmentLock(ledger(), "deploy", stale_after=0).__enter__()
    with EnvironmentLock(ledger(), "deploy", owner="bob@desk", force_unlock=True, stale_after=0):
        assert ledger().holder().owner == "bob@desk"  # type: ignore[union-attr]
    (recorded,) = store(tmp_path / "other").versions()
    assert recorded.version == version.version and recorded.result == "failed"
    assert "interrupted: its holder alice@laptop stopped; lock taken over by bob@desk" in recorded.detail
    (event,) = ledger().events()
    assert event["kind"] == "force-unlock" and event["previous_owner"] == "alice@laptop"
    assert event["versions_marked_failed"] == [version.version]


def test_the_heartbeat_keeps_the_lock_fresh(aws: None) -> None:
    with EnvironmentLock(ledger(), "deploy", heartbeat_every=0.05):
        first = ledger().holder()
        time.sleep(0.3)
        later = ledger().holder()
    assert first is not None and later is not None and later.heartbeat_at > first.heartbeat_at


def test_artifacts_leave_caches_out(aws: None, tmp_path: Path) -> None:
    source = tmp_path / "v0001"
    (source / "cdktf.out" / ".terraform" / "providers").mkdir(parents=True)
    (source / "cdktf.out" / ".terraform" / "providers" / "big").write_text("x" * 1000)
    (source / "cdktf.out" / "cdk.tf.json").write_text("{}")
    ledger().upload_artifacts("v0001", source, ARTIFACTS)
    assert ledger().download_artifacts("v0001", tmp_path / "copy")
    assert (tmp_path / "copy" / "cdktf.out" / "cdk.tf.json").exists()
    assert not (tmp_path / "copy" / "cdktf.out" / ".terraform").exists()
    assert not ledger().download_artifacts("v0009", tmp_path / "none")


def test_a_version_left_in_progress_by_a_killed_process_is_found_by_the_next_lock_holder(
    aws: None, tmp_path: Path
) -> None:
    """SIGKILL leaves no chance to record anything: the version stays in
    progress, though its lock was released (here: never held). Whoever takes
    the lock next knows nobody else can be deploying and records it failed."""
    killed = store(tmp_path).begin(["cdk"], "dead00")
    with EnvironmentLock(ledger(), "deploy --app all", owner="bob@desk"):
        pass
    (found,) = store(tmp_path).versions()
    assert found.version == killed.version and found.result == "failed"
    assert found.detail == "its process stopped without recording how it ended (killed?); found by bob@desk"


def test_an_unreadable_ledger_record_is_skipped_in_listings_and_named(aws: None, tmp_path: Path) -> None:
    history = store(tmp_path)
    good = history.finish(history.begin(["cdk"], "a"), "succeeded")
    boto3.client("dynamodb").put_item(
        TableName=LOCATION.table,
        Item={"environment": {"S": "dev"}, "entry": {"S": "version#v0002"}, "record": {"S": '{"version": "v0002"'}},
    )
    assert history.versions() == [good]
    assert history.problems["v0002"].startswith(
        "deployment ledger trading-deployments (444444444444/us-east-1) entry dev/version#v0002: "
        "unreadable version record (not JSON"
    )


def test_a_lost_ledger_is_reported_as_a_restart_not_as_drift(aws: None, tmp_path: Path) -> None:
    """On the emulator the ledger lives with the resources: a restarted
    emulator has neither. This machine's cache still names what it deployed."""
    from tradeinfra.ops.rollback import rollback_source
    from tradeinfra.ops.versions import NotDeployedError

    history = store(tmp_path)
    for _ in range(2):
        history.finish(history.begin(["cdk"], "a"), "succeeded")
    for entry in ("version#v0001", "version#v0002"):  # the emulator restarted
        boto3.client("dynamodb").delete_item(
            TableName=LOCATION.table, Key={"environment": {"S": "dev"}, "entry": {"S": entry}}
        )
    with pytest.raises(NotDeployedError) as gone:
        rollback_source(store(tmp_path), None)
    assert "(the emulator restarted since v0002 was deployed: its resources and ledger went with it)" in str(gone.value)
