"""The deployment ledger in the tooling account: every version of every
environment (DynamoDB), what each deployed (S3, versioned and KMS-encrypted),
and one lock per environment. Every machine, and the pipeline, sees the same
history; the state directory is only a cache of artifacts.

Table items (partition key `environment`, sort key `entry`):
  version#v0001   a version record (apps, commit, result, who, when)
  lock            who holds the environment (owner, command, heartbeat)
  event#<time>    what happened outside a version (a lock taken over)

Version numbers are allocated with a conditional write: two writers never
get the same number. The same code runs against the emulator and AWS.
"""

from __future__ import annotations

import getpass
import io
import json
import os
import socket
import tarfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.naming import state_access_role_name
from tradeinfra.errors import TradeinfraError
from tradeinfra.ops.targets import Target, assume_role, session_from

VERSION_PREFIX = "version#"
LOCK_ENTRY = "lock"
EVENT_PREFIX = "event#"
ARTIFACTS_OBJECT = "artifacts.tar.gz"
ALLOCATION_ATTEMPTS = 50


class LedgerError(TradeinfraError):
    """The ledger cannot be read or written."""


class LockHeldError(TradeinfraError):
    """Another operation holds the environment."""


@dataclass(frozen=True)
class LedgerLocation:
    account: str
    region: str
    table: str
    bucket: str


@dataclass(frozen=True)
class LockHolder:
    owner: str
    command: str
    started_at: str
    heartbeat_at: float
    token: str

    def age(self, now: float | None = None) -> float:
        return (now if now is not None else time.time()) - self.heartbeat_at


def who_am_i() -> str:
    """How the ledger names the caller: user@host, or the pipeline's build."""
    build = os.environ.get("CODEBUILD_BUILD_ID")
    if build:
        return f"codebuild:{build}"
    try:
        user = getpass.getuser()  # USER, LOGNAME, ..., then the password database
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


class Ledger:
    """One environment's entries in the ledger."""

    def __init__(self, dynamodb: Any, s3: Any, location: LedgerLocation, environment: str) -> None:
        self.dynamodb = dynamodb
        self.s3 = s3
        self.location = location
        self.environment = environment

    # -- versions -----------------------------------------------------------
    def allocate(self, record: dict[str, Any]) -> str:
        """Write `record` under the next free version number; return it."""
        for _ in range(ALLOCATION_ATTEMPTS):
            number = self._latest_number() + 1
            version = f"v{number:04d}"
            try:
                self._call(
                    "put_item",
                    TableName=self.location.table,
                    Item=self._item(f"{VERSION_PREFIX}{version}", {**record, "version": version}),
                    ConditionExpression="attribute_not_exists(entry)",
                )
                return version
            except self.dynamodb.exceptions.ConditionalCheckFailedException:
                continue  # another writer took this number: take the next one
        raise LedgerError(f"{self.environment}: could not allocate a version number in {ALLOCATION_ATTEMPTS} attempts")

    def update(self, record: dict[str, Any]) -> None:
        self._call(
            "put_item",
            TableName=self.location.table,
            Item=self._item(f"{VERSION_PREFIX}{record['version']}", record),
            ConditionExpression="attribute_exists(entry)",
        )

    def records(self) -> list[dict[str, Any]]:
        """Every version record of the environment that parses, oldest first."""
        found = []
        for _, text in self.raw_records():
            try:
                record = json.loads(text)
            except json.JSONDecodeError:
                continue  # DeploymentStore.versions() reports it
            if isinstance(record, dict):
                found.append(record)
        return found

    def raw_records(self) -> list[tuple[str, str]]:
        """(entry, stored text) of every version record, oldest first."""
        return [
            (item["entry"]["S"], item.get("record", {}).get("S", "<no record attribute>"))
            for item in self._query(VERSION_PREFIX)
        ]

    def where(self) -> str:
        return f"deployment ledger {self.location.table} ({self.location.account}/{self.location.region})"

    def _latest_number(self) -> int:
        response = self._call(
            "query",
            TableName=self.location.table,
            KeyConditionExpression="environment = :env AND begins_with(entry, :prefix)",
            ExpressionAttributeValues={":env": {"S": self.environment}, ":prefix": {"S": VERSION_PREFIX}},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = response.get("Items", [])
        return int(items[0]["entry"]["S"].removeprefix(VERSION_PREFIX)[1:]) if items else 0

    # -- artifacts ----------------------------------------------------------
    def artifacts_key(self, version: str) -> str:
        return f"deployments/{self.environment}/{version}/{ARTIFACTS_OBJECT}"

    def upload_artifacts(self, version: str, directory: Path, names: tuple[str, ...]) -> None:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for name in names:
                if (directory / name).exists():
                    archive.add(directory / name, arcname=name, filter=_without_caches)
        self._call(
            "put_object",
            client=self.s3,
            Bucket=self.location.bucket,
            Key=self.artifacts_key(version),
            Body=buffer.getvalue(),
        )

    def download_artifacts(self, version: str, directory: Path) -> bool:
        """Unpack what `version` deployed into `directory`; False when nothing was stored."""
        try:
            response = self.s3.get_object(Bucket=self.location.bucket, Key=self.artifacts_key(version))
        except self.s3.exceptions.NoSuchKey:
            return False
        except Exception as exc:  # unreachable, denied, throttled: one message naming the object
            raise LedgerError(f"s3://{self.location.bucket}/{self.artifacts_key(version)}: {_reason(exc)}") from None
        directory.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(response["Body"].read()), mode="r:gz") as archive:
            archive.extractall(directory, filter="data")
        return True

    # -- lock ---------------------------------------------------------------
    def holder(self) -> LockHolder | None:
        response = self._call(
            "get_item",
            TableName=self.location.table,
            Key=self._key(LOCK_ENTRY),
            ConsistentRead=True,
        )
        item = response.get("Item")
        if not item:
            return None
        return LockHolder(
            owner=item["owner"]["S"],
            command=item["command"]["S"],
            started_at=item["started_at"]["S"],
            heartbeat_at=float(item["heartbeat_at"]["N"]),
            token=item["token"]["S"],
        )

    def try_lock(self, owner: str, command: str) -> str | None:
        """The new lock's token, or None when someone holds it."""
        token = uuid.uuid4().hex
        try:
            self._call(
                "put_item",
                TableName=self.location.table,
                Item={
                    **self._key(LOCK_ENTRY),
                    "owner": {"S": owner},
                    "command": {"S": command},
                    "started_at": {"S": now_iso()},
                    "heartbeat_at": {"N": str(time.time())},
                    "token": {"S": token},
                },
                ConditionExpression="attribute_not_exists(entry)",
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return None
        return token

    def heartbeat(self, token: str) -> bool:
        try:
            self._call(
                "update_item",
                TableName=self.location.table,
                Key=self._key(LOCK_ENTRY),
                UpdateExpression="SET heartbeat_at = :now",
                ConditionExpression="#token = :token",
                ExpressionAttributeNames={"#token": "token"},
                ExpressionAttributeValues={":now": {"N": str(time.time())}, ":token": {"S": token}},
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def unlock(self, token: str) -> bool:
        """Release the lock if `token` still holds it (False: taken over meanwhile)."""
        try:
            self._call(
                "delete_item",
                TableName=self.location.table,
                Key=self._key(LOCK_ENTRY),
                ConditionExpression="#token = :token",
                ExpressionAttributeNames={"#token": "token"},
                ExpressionAttributeValues={":token": {"S": token}},
            )
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def record_event(self, kind: str, detail: dict[str, Any]) -> None:
        entry = f"{EVENT_PREFIX}{now_iso()}#{uuid.uuid4().hex[:8]}"
        self._call(
            "put_item",
            TableName=self.location.table,
            Item=self._item(entry, {"kind": kind, "at": now_iso(), **detail}),
        )

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(item["record"]["S"]) for item in self._query(EVENT_PREFIX)]

    # -- plumbing -----------------------------------------------------------
    def _key(self, entry: str) -> dict[str, Any]:
        return {"environment": {"S": self.environment}, "entry": {"S": entry}}

    def _item(self, entry: str, record: dict[str, Any]) -> dict[str, Any]:
        return {**self._key(entry), "record": {"S": json.dumps(record, sort_keys=True)}}

    def _query(self, prefix: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        arguments: dict[str, Any] = {
            "TableName": self.location.table,
            "KeyConditionExpression": "environment = :env AND begins_with(entry, :prefix)",
            "ExpressionAttributeValues": {":env": {"S": self.environment}, ":prefix": {"S": prefix}},
            "ConsistentRead": True,
        }
        while True:
            try:
                response = self._call("query", **arguments)
            except LedgerError as exc:
                if "ResourceNotFoundException" in str(exc):
                    return []  # no ledger yet: nothing was ever deployed here
                raise
            items += response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return items
            arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _call(self, operation: str, client: Any = None, **arguments: Any) -> Any:
        from botocore.exceptions import BotoCoreError

        client = client or self.dynamodb
        try:
            return getattr(client, operation)(**arguments)
        except (client.exceptions.ClientError, BotoCoreError) as exc:
            if "ConditionalCheckFailed" in str(exc):
                raise
            where = (
                f"s3://{self.location.bucket}"
                if client is self.s3
                else f"dynamodb table {self.location.table} ({self.location.account}/{self.location.region})"
            )
            raise LedgerError(f"deployment ledger, {where}: {_reason(exc)}") from None


class EnvironmentLock:
    """Hold an environment for one operation: refused at once when held;
    a heartbeat shows the holder is alive; released on any exit."""

    def __init__(
        self,
        ledger: Ledger,
        command: str,
        *,
        owner: str | None = None,
        force_unlock: bool = False,
        stale_after: float = 120.0,
        heartbeat_every: float = 15.0,
    ) -> None:
        self.ledger = ledger
        self.command = command
        self.owner = owner or who_am_i()
        self.force_unlock = force_unlock
        self.stale_after = stale_after
        self.heartbeat_every = heartbeat_every
        self.token: str | None = None
        self._stop = threading.Event()
        self._beating: threading.Thread | None = None

    def __enter__(self) -> EnvironmentLock:
        token = self.ledger.try_lock(self.owner, self.command)
        if token is None:
            holder = self.ledger.holder()
            if holder is not None and self.force_unlock:
                self._take_over(holder)
                token = self.ledger.try_lock(self.owner, self.command)
            if token is None:
                raise LockHeldError(self._refusal(self.ledger.holder()))
        self.token = token
        # Holding the lock, nothing else can be deploying here: a version
        # still in progress was left by a process killed outright.
        self._settle_orphans(f"its process stopped without recording how it ended (killed?); found by {self.owner}")
        self._beating = threading.Thread(target=self._beat, name="ledger-heartbeat", daemon=True)
        self._beating.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._beating is not None:
            self._beating.join(timeout=5)
        if self.token is not None:
            self.ledger.unlock(self.token)

    def _beat(self) -> None:
        assert self.token is not None
        while not self._stop.wait(self.heartbeat_every):
            try:
                self.ledger.heartbeat(self.token)
            except TradeinfraError:
                continue  # a missed beat; the next one may pass

    def _take_over(self, holder: LockHolder) -> None:
        if holder.age() < self.stale_after:
            raise LockHeldError(
                f"{self.ledger.environment}: --force-unlock refused: {holder.owner} ({holder.command}) is alive, "
                f"its heartbeat is {holder.age():.0f} s old (a lock is stale after {self.stale_after:.0f} s)"
            )
        if not self.ledger.unlock(holder.token):
            return  # released or taken meanwhile: try_lock decides
        interrupted = self._settle_orphans(
            f"interrupted: its holder {holder.owner} stopped; lock taken over by {self.owner}"
        )
        self.ledger.record_event(
            "force-unlock",
            {
                "by": self.owner,
                "command": self.command,
                "previous_owner": holder.owner,
                "previous_command": holder.command,
                "previous_started_at": holder.started_at,
                "heartbeat_age_seconds": round(holder.age()),
                "versions_marked_failed": [r["version"] for r in interrupted],
            },
        )

    def _settle_orphans(self, detail: str) -> list[dict[str, Any]]:
        """Record as failed the versions left in progress; return them."""
        orphans = [r for r in self.ledger.records() if r.get("result") == "in-progress"]
        for record in orphans:
            self.ledger.update({**record, "result": "failed", "finished_at": now_iso(), "detail": detail})
        return orphans

    def _refusal(self, holder: LockHolder | None) -> str:
        if holder is None:
            return f"{self.ledger.environment}: the lock changed hands while taking it: try again"
        stale = holder.age() >= self.stale_after
        hint = (
            "its heartbeat stopped: if that process is gone, run again with --force-unlock"
            if stale
            else "wait for it to finish"
        )
        return (
            f"{self.ledger.environment} is locked by {holder.owner} ({holder.command}, since {holder.started_at}, "
            f"heartbeat {holder.age():.0f} s ago): {hint}"
        )


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}".strip()
    return str(exc)


def _without_caches(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    """Leave Terraform's provider cache and Python caches out of the archive."""
    parts = Path(info.name).parts
    return None if ".terraform" in parts or "__pycache__" in parts else info


def ledger_location(platform: PlatformConfig, environment: str) -> LedgerLocation:
    env = platform.environment(environment)
    account = platform.delivery.account if platform.delivery else env.account
    return LedgerLocation(account, env.terraform_state.region, env.ledger.table, env.ledger.bucket)


def open_ledger(platform: PlatformConfig, target: Target, environment: str) -> Ledger:
    """`environment`'s entries in the ledger of the target's tooling account.
    On AWS the caller acts there as the environment's tooling role
    (`trading-tfstate-<env>`: its own entries only); on the emulator, as the
    tooling account."""

    location = ledger_location(platform, environment)
    if target.is_local:
        variables = target.account_environment(location.account, location.region)
    else:
        # From the role the caller acts as (TRADEINFRA_ASSUME_ROLE_ARN: the
        # pipeline's web-tier deployer), else from the caller's own credentials.
        acting = target.account_environment(location.account, location.region)
        role = f"arn:aws:iam::{location.account}:role/{state_access_role_name(environment)}"
        variables = {"AWS_ENDPOINT_URL": "", **_assume(role, location.region, acting)}
    session = session_from(variables, location.region)
    endpoint = variables.get("AWS_ENDPOINT_URL") or None
    return Ledger(
        session.client("dynamodb", endpoint_url=endpoint),
        session.client("s3", endpoint_url=endpoint),
        location,
        environment,
    )


def ledger_exists(ledger: Ledger) -> bool:
    try:
        ledger.dynamodb.describe_table(TableName=ledger.location.table)
    except ledger.dynamodb.exceptions.ResourceNotFoundException:
        return False
    except ledger.dynamodb.exceptions.ClientError as exc:
        raise LedgerError(f"deployment ledger {ledger.location.table}: {_reason(exc)}") from None
    return True


def _assume(role: str, region: str, acting: dict[str, str]) -> dict[str, str]:
    sts = session_from(acting, region).client("sts")
    try:
        return assume_role(sts, role, who_am_i().replace("@", "-").replace(":", "-")[:64])
    except Exception as exc:
        raise LedgerError(
            f"deployment ledger: cannot act as {role} ({_reason(exc)}): the environment's deployers need "
            "sts:AssumeRole on it (README, 'Deployment ledger')"
        ) from None
