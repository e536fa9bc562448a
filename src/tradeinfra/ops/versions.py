"""Every deployment is a recorded version: what was deployed (the cloud
assembly with its templates, the tfvars), from which commit, by whom, when,
and how it ended, so a rollback can redeploy exactly what a version deployed.

With a ledger (`ops/ledger.py`, what every command uses), the records and
artifacts live in the tooling account, shared by every machine and the
pipeline; `<state dir>/deployments/<target>/<env>/vNNNN/` is a cache of
them. Without one (unit tests), that directory is the whole store."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.errors import TradeinfraError
from tradeinfra.files import write_text_atomically
from tradeinfra.ops.ledger import Ledger, who_am_i

RECORD = "version.json"
IN_PROGRESS, INTERRUPTED = "in-progress", "interrupted"
# The environment's resolved configuration as deployed: what drift detection
# on the emulator compares the live resources with.
ENVIRONMENT_RECORD = "environment.json"
# What a version deployed, copied whole by a rollback.
ARTIFACTS = ("cdk.out", "cdktf.out", "terraform", ENVIRONMENT_RECORD)


class NotDeployedError(TradeinfraError):
    """Nothing is recorded as deployed where an operation needs something."""


def nothing_deployed(
    environment: str, target: str, apps: Sequence[str] = (), store: DeploymentStore | None = None
) -> NotDeployedError:
    """The one way every command says an environment has nothing deployed;
    on the emulator, also when that is because it restarted since."""
    what = f"nothing of {' and '.join(apps)}" if apps else "nothing"
    restarted = store.restarted_since() if store is not None and target == "local" else None
    why = (
        f" (the emulator restarted since {restarted} was deployed: its resources and ledger went with it)"
        if restarted
        else ""
    )
    return NotDeployedError(
        f"{environment} on {target}: {what} is recorded as deployed{why}: "
        f"run 'tradeinfra deploy --env {environment} --target {target}' first"
    )


class UnknownVersionError(TradeinfraError):
    """A version that was never recorded for this target and environment."""


@dataclass(frozen=True)
class DeploymentVersion:
    version: str  # v0001, ...
    environment: str
    target: str
    apps: list[str]
    git_commit: str
    started_at: str
    # in-progress, succeeded, failed, interrupted (a stop signal; the detail
    # names it), destroyed; rolled-back: deployed, failed validation and
    # replaced by a rollback
    result: str = "in-progress"
    finished_at: str | None = None
    detail: str = ""
    stacks: list[str] = field(default_factory=list)
    source_version: str | None = None  # for a rollback: the version redeployed
    who: str = ""  # user@host, or the pipeline's build
    # Stateful resources the deployment was allowed to replace or remove (--allow-replace).
    allowed_replacements: list[str] = field(default_factory=list)

    @classmethod
    def from_record(cls, record: object, where: str = "version record") -> DeploymentVersion:
        """A record read back, validated: `where` names it in the error."""
        return parse_version(record, where)


RESULTS = (IN_PROGRESS, "succeeded", "failed", INTERRUPTED, "destroyed", "rolled-back")
VERSION_NAME = re.compile(r"^v[0-9]{4,}$")


class RecordError(TradeinfraError):
    """A stored record that cannot be read back as what it should be."""


def parse_version(record: object, where: str) -> DeploymentVersion:
    """Validate a version record (from version.json or the ledger). Unknown
    keys are ignored (a newer tool may add some); wrong types, missing keys,
    an unknown result or a malformed number are a RecordError naming `where`."""
    from pydantic import TypeAdapter, ValidationError

    try:
        version = TypeAdapter(DeploymentVersion).validate_python(record)
    except ValidationError as exc:
        first = exc.errors()[0]
        field_name = ".".join(str(part) for part in first["loc"]) or "record"
        raise RecordError(f"{where}: unreadable version record: {field_name}: {first['msg']}") from None
    if not VERSION_NAME.match(version.version):
        raise RecordError(f"{where}: unreadable version record: version: expected vNNNN, got {version.version[:40]!r}")
    if version.result not in RESULTS:
        raise RecordError(
            f"{where}: unreadable version record: result: expected one of {', '.join(RESULTS)}, "
            f"got {version.result[:40]!r}"
        )
    return version


class DeploymentStore:
    def __init__(
        self,
        state_dir: Path,
        target: str,
        environment: str,
        ledger: Ledger | None = None,
        provision: Callable[[], None] | None = None,
    ) -> None:
        self.root = state_dir / "deployments" / target / environment
        self.target = target
        self.environment = environment
        self.ledger = ledger
        self._provision = provision  # creates the ledger where it is missing (the emulator)
        self.problems: dict[str, str] = {}  # unreadable records, by version, from the last listing

    def begin(
        self,
        apps: list[str],
        git_commit: str,
        source_version: str | None = None,
        allowed_replacements: Sequence[str] = (),
    ) -> DeploymentVersion:
        self.root.mkdir(parents=True, exist_ok=True)
        version = DeploymentVersion(
            version="",
            environment=self.environment,
            target=self.target,
            apps=apps,
            git_commit=git_commit,
            started_at=_now(),
            source_version=source_version,
            who=who_am_i(),
            allowed_replacements=list(allowed_replacements),
        )
        if self.ledger is not None:
            if self._provision is not None:
                self._provision()
            number = self.ledger.allocate(asdict(version))
        else:
            local = (int(p.name[1:]) for p in self.root.glob("v[0-9]*") if p.name[1:].isdigit())
            number = f"v{1 + max(local, default=0):04d}"
        version = replace(version, version=number)
        directory = self.root / version.version
        if directory.exists():  # a cache of an earlier ledger (an emulator since restarted): stale
            shutil.rmtree(directory)
        directory.mkdir()
        self._write(version)
        return version

    def finish(
        self, version: DeploymentVersion, result: str, detail: str = "", stacks: list[str] | None = None
    ) -> DeploymentVersion:
        finished = replace(version, result=result, finished_at=_now(), detail=detail, stacks=stacks or version.stacks)
        self._write(finished)
        if self.ledger is not None:
            try:
                directory = self.root / version.version
                if any((directory / name).exists() for name in ARTIFACTS) and version.result == "in-progress":
                    self.ledger.upload_artifacts(version.version, directory, ARTIFACTS)
                self.ledger.update(asdict(finished))
            except TradeinfraError as exc:
                if result == "succeeded":
                    raise  # a success the ledger does not know would be redeployed blind
                # A failure is already being reported; say the ledger missed it too.
                finished = replace(finished, detail=f"{detail}; not recorded in the ledger: {exc}")
                self._write(finished)
        return finished

    def restarted_since(self) -> str | None:
        """The newest version this machine cached that the ledger no longer
        has: the ledger (an emulator's) was lost since it was deployed."""
        if self.ledger is None:
            return None
        known = {v.version for v in self.versions()}
        cached = sorted(p.name for p in self.root.glob("v[0-9]*") if p.name not in known)
        return cached[-1] if cached and not known else None

    def directory(self, version: str) -> Path:
        """The version's directory: from the local cache, fetched from the
        ledger when this machine has not seen the version."""
        directory = self.root / version
        if self.ledger is not None and not directory.exists():
            self.ledger.download_artifacts(version, directory)
        return directory

    def versions(self) -> list[DeploymentVersion]:
        """The readable versions, oldest first. An unreadable record is
        skipped and kept in `problems` (version -> what is wrong), so a
        listing still shows the rest and only what needs that one fails."""
        self.problems = {}
        found = []
        for name, where, text in self._raw_records():
            try:
                found.append(parse_version(json.loads(text), where))
            except json.JSONDecodeError as exc:
                self.problems[name] = f"{where}: unreadable version record (not JSON: {exc.msg}, line {exc.lineno})"
            except RecordError as exc:
                self.problems[name] = str(exc)
        return found

    def _raw_records(self) -> list[tuple[str, str, str]]:
        """(version, where, text) of every record."""
        if self.ledger is not None:
            return [
                (entry.removeprefix("version#"), f"{self.ledger.where()} entry {self.environment}/{entry}", text)
                for entry, text in self.ledger.raw_records()
            ]
        found = []
        for record in sorted(self.root.glob(f"v[0-9]*/{RECORD}")):
            try:
                found.append((record.parent.name, str(record), record.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                found.append((record.parent.name, str(record), f"<unreadable: {exc}>"))
        return found

    def get(self, version: str) -> DeploymentVersion:
        for candidate in self.versions():
            if candidate.version == version:
                return candidate
        if version in self.problems:
            raise RecordError(f"--to {version}: {self.problems[version]}")
        known = ", ".join(v.version for v in self.versions()) or "none yet"
        raise UnknownVersionError(
            f"--to {version}: no such version of {self.environment} on {self.target} (recorded: {known})"
        )

    def latest(self) -> DeploymentVersion | None:
        versions = self.versions()
        return versions[-1] if versions else None

    def last_succeeded(self, before: str | None = None, apps: Sequence[str] = ()) -> DeploymentVersion | None:
        """The newest successful version (older than `before`) that deployed all
        of `apps`, unless a later `destroy` tore any of them down."""
        for v in reversed(self.versions()):
            if before is not None and v.version >= before:
                continue
            if v.result == "destroyed" and set(apps) & set(v.apps):
                return None
            if v.result == "succeeded" and set(apps) <= set(v.apps):
                return v
        return None

    def _write(self, version: DeploymentVersion) -> None:
        (self.root / version.version).mkdir(parents=True, exist_ok=True)
        write_text_atomically(self.root / version.version / RECORD, json.dumps(asdict(version), indent=2) + "\n")


def write_environment(directory: Path, environment: EnvironmentConfig) -> None:
    write_text_atomically(directory / ENVIRONMENT_RECORD, environment.model_dump_json(indent=2) + "\n")


def read_environment(directory: Path) -> EnvironmentConfig:
    """The configuration a version deployed."""
    record = directory / ENVIRONMENT_RECORD
    try:
        return EnvironmentConfig.model_validate_json(record.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TradeinfraError(f"{record}: not found: this version did not record its configuration") from None
    except (OSError, ValueError) as exc:
        raise TradeinfraError(f"{record}: unreadable deployment record ({exc})") from None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
