"""`tradeinfra promote --from E1 --to E2`: carry what E1 runs to the next
environment, proven first.

1. E2 must follow E1 in the promotion order, and E1 must run this checkout's
   commit and configuration (a promotion never carries code or settings E1
   has not run).
2. Gates, before anything is deployed: the configuration loads and
   validates; every environment is synthesized with cdk-nag (compliance);
   the parity gate finds nothing.
3. E2 is deployed from exactly what the gates checked, then validated.
4. When the deployment or the validation fails, E2 is rolled back to its
   previous successful version and validated against that version's
   configuration; the failed version is recorded as rolled back.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.config.settings_tree import flatten
from tradeinfra.errors import CheckFailedError, TradeinfraError
from tradeinfra.files import replaced_directory
from tradeinfra.ops.checks import ValidationReport
from tradeinfra.ops.deploy import APPS, DeployError, deploy_version, synthesize
from tradeinfra.ops.history import open_store
from tradeinfra.ops.rollback import NothingToRollBackError, rollback
from tradeinfra.ops.targets import Target
from tradeinfra.ops.tools import OnLine, git_commit
from tradeinfra.ops.validate import validate
from tradeinfra.ops.versions import DeploymentStore, DeploymentVersion, read_environment, write_environment


@dataclass(frozen=True)
class Promotion:
    source: str
    destination: str
    version: DeploymentVersion | None  # what was deployed to the destination
    validation: ValidationReport | None
    failure: str | None = None
    rollback: DeploymentVersion | None = None
    rollback_validation: ValidationReport | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def rolled_back(self) -> bool:
        return self.rollback is not None and self.rollback.result == "succeeded"


def promote(
    platform: PlatformConfig,
    source: str,
    destination: str,
    target: Target,
    state_dir: Path,
    apps: Sequence[str] = APPS,
    on_line: OnLine | None = None,
    allowed: Sequence[str] = (),
) -> Promotion:
    check_order(platform, source, destination)
    _check_source_runs_this_checkout(platform, open_store(platform, target, state_dir, source), apps)
    env = platform.environment(destination)
    scratch = state_dir / "promotions" / f"{destination}-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        gates_once(platform, state_dir, scratch, on_line)

        def checked_artifacts(directory: Path) -> None:
            for artifact in scratch.iterdir():
                artifact.rename(directory / artifact.name)
            write_environment(directory, env)

        try:
            version = deploy_version(
                platform, env, target, apps, state_dir, checked_artifacts, on_line, allowed=allowed
            )
        except DeployError as exc:
            return _roll_back(platform, source, destination, target, state_dir, None, None, str(exc), on_line)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if on_line:
        on_line(f"validating {destination}")
    report = validate(env, target, apps)
    if report.ok:
        return Promotion(source, destination, version, report)
    failure = f"validation of {destination} failed: " + "; ".join(
        f"{c.resource} {c.setting}: expected {c.expected}, got {c.actual}" for c in report.failed
    )
    return _roll_back(platform, source, destination, target, state_dir, version, report, failure, on_line)


def gates_once(platform: PlatformConfig, state_dir: Path, directory: Path, on_line: OnLine | None) -> None:
    """The gates' output in `directory`: synthesized and checked now, or
    copied from the last promotion that passed them on the same clean commit
    and the same configuration files (the gates are deterministic on those:
    a dirty checkout is never reused)."""
    key = gates_key(platform)
    cache = state_dir / "promotions" / "gates-passed"
    if key is not None and (cache / "key").is_file() and (cache / "key").read_text(encoding="utf-8") == key:
        if on_line:
            on_line(f"gates: passed already for commit {key[:12]} and this configuration (not run again)")
        shutil.copytree(cache / "output", directory, dirs_exist_ok=True)
        return
    run_gates(platform, directory, on_line)
    if key is not None:
        with replaced_directory(cache, marker="key") as scratch:
            shutil.copytree(directory, scratch / "output")
            (scratch / "key").write_text(key, encoding="utf-8")


def gates_key(platform: PlatformConfig) -> str | None:
    """The clean commit and a digest of every configuration file, or None
    when the checkout has changes (its output cannot be named by a commit)."""
    commit = git_commit()
    if commit == "unknown" or commit.endswith("+changes"):
        return None
    digest = hashlib.sha256()
    for path in sorted(p for p in platform.config_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(platform.config_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{commit}:{digest.hexdigest()}"


def run_gates(platform: PlatformConfig, directory: Path, on_line: OnLine | None) -> None:
    """Synthesize every environment of both apps into `directory` (cdk-nag
    fails the synth on an unacknowledged finding), then the parity gate and
    the access gate."""
    from tradeinfra.access.gate import run_access
    from tradeinfra.parity.runner import run_parity

    if on_line:
        on_line("gates: configuration valid; synthesizing every environment with cdk-nag (compliance)")
    synthesize(platform, platform.names, APPS, directory, on_line)
    if on_line:
        on_line("gates: parity")
    report = run_parity(platform, directory / "cdk.out", directory / "cdktf.out", directory / "terraform")
    if not report.consistent:
        raise _refusal(
            "parity gate",
            "finding(s)",
            [f"{f.rule} {f.stack} {f.resource} {f.path}: {f.message}" for f in report.findings],
            "tradeinfra parity",
        )
    if on_line:
        on_line("gates: access contracts")
    access = run_access(
        platform, platform.config_dir, directory / "cdk.out", directory / "cdktf.out", directory / "terraform"
    )
    if not access.ok:
        raise _refusal(
            "access gate",
            "broken contract(s)",
            [f"{row.environment} {row.workload} {row.rule}" for row in access.broken],
            "tradeinfra access",
        )


def _refusal(gate: str, what: str, items: list[str], command: str) -> CheckFailedError:
    """One message naming the first five findings of a gate that stopped a promotion."""
    more = f" (and {len(items) - 5} more)" if len(items) > 5 else ""
    return CheckFailedError(
        f"{gate}: {len(items)} {what}, nothing deployed: {'; '.join(items[:5])}{more}; "
        f"details: tradeinfra synth && {command}"
    )


def _roll_back(
    platform: PlatformConfig,
    source: str,
    destination: str,
    target: Target,
    state_dir: Path,
    version: DeploymentVersion | None,
    report: ValidationReport | None,
    failure: str,
    on_line: OnLine | None,
) -> Promotion:
    store = open_store(platform, target, state_dir, destination, on_line)
    failed = version or store.latest()
    if on_line:
        on_line(f"promotion failed ({failure}); rolling {destination} back")
    try:
        restored = rollback(platform, destination, target, state_dir, on_line=on_line)
    except NothingToRollBackError as exc:
        return Promotion(source, destination, failed, report, f"{failure}; not rolled back: {exc}")
    except DeployError as exc:
        return Promotion(source, destination, failed, report, f"{failure}; the rollback failed too: {exc}")
    if version is not None:  # it was deployed, then found wanting
        store.finish(version, "rolled-back", detail=f"{failure}; replaced by {restored.version}")
    recorded = read_environment(store.directory(restored.version))
    after = validate(recorded, target, restored.apps)
    return Promotion(source, destination, failed, report, failure, restored, after)


def check_order(platform: PlatformConfig, source: str, destination: str) -> None:
    names = platform.names
    for option, name in (("--from", source), ("--to", destination)):
        if name not in names:
            raise TradeinfraError(f"{option} {name}: unknown environment (known: {', '.join(names)})")
    if names.index(destination) != names.index(source) + 1:
        following = names[names.index(source) + 1] if names.index(source) + 1 < len(names) else None
        raise TradeinfraError(
            f"--to {destination}: promotion follows the order {' -> '.join(names)} (config/platform.yaml); "
            + (f"{source} promotes to {following}" if following else f"{source} is the last environment")
        )


def _check_source_runs_this_checkout(platform: PlatformConfig, store: DeploymentStore, apps: Sequence[str]) -> None:
    deployed = store.last_succeeded(apps=apps)
    if deployed is None:
        raise TradeinfraError(
            f"--from {store.environment}: no successful deployment of {', '.join(apps)} on {store.target} to promote: "
            f"deploy it first (tradeinfra deploy --env {store.environment})"
        )
    commit = git_commit()
    if deployed.git_commit != commit:
        raise TradeinfraError(
            f"--from {store.environment}: it runs commit {_short(deployed.git_commit)} ({deployed.version}), this "
            f"checkout is {_short(commit)}: deploy {store.environment} from this checkout first, then promote"
        )
    changed = changed_settings(
        read_environment(store.directory(deployed.version)), platform.environment(store.environment)
    )
    if changed:
        shown = ", ".join(changed[:5]) + (f" (and {len(changed) - 5} more)" if len(changed) > 5 else "")
        raise TradeinfraError(
            f"--from {store.environment}: it runs another configuration than {platform.config_dir} "
            f"({deployed.version} differs in {shown}): deploy {store.environment} with this configuration first, "
            "then promote"
        )


def changed_settings(deployed: EnvironmentConfig, current: EnvironmentConfig) -> list[str]:
    """The dotted settings whose values differ between two resolutions of one environment."""
    before = dict(flatten(deployed.model_dump(mode="json")))
    after = dict(flatten(current.model_dump(mode="json")))
    return sorted(".".join(path) for path in before.keys() | after.keys() if before.get(path) != after.get(path))


def _short(commit: str) -> str:
    """The abbreviated commit, keeping the mark of uncommitted changes."""
    return commit[:12] + ("+changes" if commit.endswith("+changes") else "")
