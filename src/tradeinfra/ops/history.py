"""Where an environment's versions are read and written: the deployment
ledger of the target's tooling account, with the state directory as a cache.
`tradeinfra history` lists them."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.ops.ledger import EnvironmentLock, ledger_exists, open_ledger
from tradeinfra.ops.targets import Target
from tradeinfra.ops.tools import OnLine
from tradeinfra.ops.versions import DeploymentStore, DeploymentVersion


def open_store(
    platform: PlatformConfig, target: Target, state_dir: Path, environment: str, on_line: OnLine | None = None
) -> DeploymentStore:
    """`environment`'s versions on `target`. On the emulator the ledger is
    created by the first deployment that needs it."""
    ledger = open_ledger(platform, target, environment)

    def provision() -> None:
        from tradeinfra.ops.terraform_deploy import ensure_ledger

        if not ledger_exists(ledger):
            ensure_ledger(platform, target, state_dir, on_line)

    return DeploymentStore(
        state_dir, target.kind.value, environment, ledger=ledger, provision=provision if target.is_local else None
    )


def hold(
    platform: PlatformConfig,
    target: Target,
    state_dir: Path,
    environment: str,
    command: str,
    *,
    force_unlock: bool = False,
    on_line: OnLine | None = None,
) -> AbstractContextManager[Any]:
    """The environment's lock for one operation (deploy, rollback, promote, destroy)."""
    ledger = open_ledger(platform, target, environment)
    if target.is_local and not ledger_exists(ledger):
        from tradeinfra.ops.terraform_deploy import ensure_ledger

        ensure_ledger(platform, target, state_dir, on_line)
    stale = platform.environment(environment).ledger.lock_stale_after_seconds
    return EnvironmentLock(ledger, command, force_unlock=force_unlock, stale_after=stale)


def history_rows(versions: list[DeploymentVersion]) -> list[dict[str, Any]]:
    return [
        {
            "version": v.version,
            "apps": ",".join(v.apps),
            "commit": v.git_commit[:12],
            "result": v.result,
            "who": v.who,
            "started": v.started_at,
            "finished": v.finished_at or "",
            "source": v.source_version or "",
            "detail": v.detail,
        }
        for v in versions
    ]
