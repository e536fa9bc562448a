"""`tradeinfra rollback`: deploy again exactly what an earlier version
deployed. The recorded artifacts (cloud assembly, web tier, tfvars,
configuration) are copied into a new version, which names its source; nothing
is synthesized, so the current checkout cannot leak into a rollback."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.errors import TradeinfraError
from tradeinfra.files import read_json_object
from tradeinfra.ops.deploy import deploy_version
from tradeinfra.ops.history import open_store
from tradeinfra.ops.targets import Target
from tradeinfra.ops.tools import OnLine
from tradeinfra.ops.versions import (
    ARTIFACTS,
    DeploymentStore,
    DeploymentVersion,
    RecordError,
    nothing_deployed,
    read_environment,
)


class NothingToRollBackError(TradeinfraError):
    """No earlier successful version to return to."""


def rollback_source(store: DeploymentStore, to: str | None) -> DeploymentVersion:
    """The named version, or the last one that succeeded before the latest."""
    if to is not None:
        named = store.get(to)
        if named.result != "succeeded":
            good = ", ".join(v.version for v in store.versions() if v.result == "succeeded") or "none"
            raise TradeinfraError(
                f"--to {to}: version {to} of {store.environment} on {store.target} {named.result}; "
                f"roll back to one that succeeded ({good})"
            )
        return named
    latest = store.latest()
    if latest is None:
        raise nothing_deployed(store.environment, store.target, store=store)
    # what the latest version changed is what must go back
    previous = store.last_succeeded(before=latest.version, apps=latest.apps) if latest else None
    if previous is None:
        raise NothingToRollBackError(
            f"{store.environment} on {store.target}: no earlier successful version to roll back to "
            f"(recorded: {', '.join(v.version + ' ' + v.result for v in store.versions()) or 'none'})"
        )
    return previous


def apps_to_roll_back(store: DeploymentStore, source: DeploymentVersion, to: str | None) -> list[str]:
    """A named version is redeployed whole; otherwise only the apps the latest
    version deployed go back (a failed CDK release leaves the web tier be)."""
    latest = store.latest()
    if to is not None or latest is None:
        return list(source.apps)
    return [app for app in source.apps if app in latest.apps]


def check_artifacts(
    directory: Path, environment: str, apps: list[str], refused: str = "cannot roll back to this version"
) -> None:
    """What a rollback would redeploy reads back as what it should be: the
    recorded configuration, the cloud assembly with the environment's stacks,
    the web tier's Terraform JSON and tfvars. Else a RecordError naming the file."""
    from tradeinfra.synthesized.cloud_assembly import read_assembly

    try:
        read_environment(directory)
        if "cdk" in apps and not read_assembly(directory / "cdk.out").get(environment):
            raise RecordError(f"{directory / 'cdk.out'}: the recorded cloud assembly holds no stack of {environment}")
        if "tf" in apps:
            read_json_object(
                directory / "cdktf.out" / "stacks" / "web-tier" / "cdk.tf.json",
                "Terraform configuration",
                "the version did not record its web tier",
            )
            tfvars = directory / "terraform" / f"{environment}.tfvars"
            if not tfvars.is_file():
                raise RecordError(f"{tfvars}: not found: the version did not record its tfvars")
    except TradeinfraError as exc:
        raise RecordError(f"{refused}: {exc}") from None


def rollback(
    platform: PlatformConfig,
    environment: str,
    target: Target,
    state_dir: Path,
    to: str | None = None,
    on_line: OnLine | None = None,
    allowed: Sequence[str] = (),
) -> DeploymentVersion:
    """Redeploy the previous (or the named) successful version as a new
    version; like any deployment, it stops before replacing or removing a
    stateful resource `allowed` does not name (an automatic rollback never
    names one)."""
    env = platform.environment(environment)
    store = open_store(platform, target, state_dir, environment, on_line)
    source = rollback_source(store, to)
    apps = apps_to_roll_back(store, source, to)
    source_dir = store.directory(source.version)
    check_artifacts(source_dir, env.name, apps)  # nothing is recorded for a rollback that cannot be one

    def copy_artifacts(directory: Path) -> None:
        if on_line:
            on_line(
                f"rolling {environment} back to {source.version} ({', '.join(apps)}; commit {source.git_commit[:12]})"
            )
        for name in ARTIFACTS:
            recorded = source_dir / name
            if recorded.is_dir():
                shutil.copytree(recorded, directory / name, symlinks=True)
            elif recorded.is_file():
                shutil.copy2(recorded, directory / name)

    return deploy_version(
        platform, env, target, apps, state_dir, copy_artifacts, on_line, source=source, allowed=allowed
    )
