"""A whole environment's plan, and the guard a deployment runs.

`preview` plans what `deploy` would do: this checkout and configuration
(synthesized into a scratch directory, cdk-nag included) or a recorded
version (`--from-version`), against what runs on the target. Nothing on the
target is changed. `guard` stops a deployment at the first app whose plan
replaces or removes a stateful resource that neither `--allow-replace` nor
config/replacements.yaml acknowledges.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.errors import CheckFailedError
from tradeinfra.ops.plan.model import AppPlan, Plan, refusal
from tradeinfra.ops.targets import Target
from tradeinfra.ops.tools import OnLine, git_commit


class StatefulChangeError(CheckFailedError):
    """A deployment would replace or remove a stateful resource nobody allowed: exit 2."""


def preview(
    platform: PlatformConfig,
    environment: str,
    target: Target,
    apps: Sequence[str],
    state_dir: Path,
    from_version: str | None = None,
    allowed: Sequence[str] = (),
    on_line: OnLine | None = None,
    assembly: Path | None = None,
) -> Plan:
    """`assembly`: plan this cloud assembly (the pipeline's Synth output) for
    the CDK app instead of synthesizing the checkout; the web tier is
    synthesized from the checkout, as the pipeline's web-tier step does."""
    from tradeinfra.ops.deploy import synthesize
    from tradeinfra.ops.history import open_store

    env = platform.environment(environment)
    if assembly is not None:
        with tempfile.TemporaryDirectory(prefix="tradeinfra-plan-") as scratch:
            release = Path(scratch)
            if "tf" in apps:
                synthesize(platform, [environment], ["tf"], release, on_line)
            (release / "cdk.out").symlink_to(assembly.resolve(), target_is_directory=True)
            described = f"the cloud assembly {assembly}" + (" with this checkout's web tier" if "tf" in apps else "")
            return plan_directory(platform, env, target, apps, release, state_dir, described, allowed, on_line)
    if from_version is not None:
        from tradeinfra.ops.rollback import check_artifacts

        store = open_store(platform, target, state_dir, environment, on_line)
        recorded = store.get(from_version)  # an unknown version fails here, naming the known ones
        planned_apps = [app for app in apps if app in recorded.apps]
        directory = store.directory(from_version)
        check_artifacts(directory, env.name, planned_apps, f"--from-version {from_version}: cannot plan it")
        plan = plan_directory(platform, env, target, planned_apps, directory, state_dir, from_version, allowed, on_line)
        unrecorded = tuple(
            AppPlan(app, caveat=f"{from_version} deployed {', '.join(recorded.apps)} only: not planned")
            for app in apps
            if app not in recorded.apps
        )
        return replace(plan, apps=plan.apps + unrecorded)
    with tempfile.TemporaryDirectory(prefix="tradeinfra-plan-") as scratch:
        synthesize(platform, [environment], apps, Path(scratch), on_line)
        described = f"this checkout ({git_commit()[:12]})"
        return plan_directory(platform, env, target, apps, Path(scratch), state_dir, described, allowed, on_line)


def plan_directory(
    platform: PlatformConfig,
    env: EnvironmentConfig,
    target: Target,
    apps: Sequence[str],
    directory: Path,
    state_dir: Path,
    described: str,
    allowed: Sequence[str] = (),
    on_line: OnLine | None = None,
) -> Plan:
    """The plan of what `directory` (a version's artifacts) would change."""
    from tradeinfra.ops.plan.stacks import plan_stacks
    from tradeinfra.ops.plan.web_tier import plan_web_tier

    planned: list[AppPlan] = []
    if "cdk" in apps:
        planned.append(plan_stacks(directory / "cdk.out", env, target))
    if "tf" in apps:
        planned.append(plan_web_tier(platform, env, target, directory, state_dir, on_line))
    return acknowledged_by(platform, allowed, Plan(env.name, target.kind.value, described, tuple(planned)))


def acknowledged_by(platform: PlatformConfig, allowed: Sequence[str], plan: Plan) -> Plan:
    """The plan with what acknowledges its stateful changes: the
    `--allow-replace` names, and the environment's reviewed replacements."""
    return replace(plan, allowed=frozenset(allowed), reviewed=platform.reviewed_replacements(plan.environment))


def allowances_recorded(platform: PlatformConfig, environment: str, allowed: Sequence[str]) -> list[str]:
    """What a version records it was allowed to replace or remove."""
    return [*allowed, *(entry.recorded() for entry in platform.reviewed_replacements(environment))]


def guard(plan: Plan) -> None:
    if plan.findings:
        raise StatefulChangeError(refusal(plan))


def promotion_preview(
    platform: PlatformConfig,
    source: str,
    destination: str,
    target: Target,
    apps: Sequence[str],
    state_dir: Path,
    allowed: Sequence[str] = (),
    on_line: OnLine | None = None,
) -> Plan:
    """What `promote --from source --to destination` would change in the
    destination: the gates' output (run now, or reused as the promotion
    would), planned there, with the declared variations the destination keeps."""
    from tradeinfra.config.views import environment_matrix
    from tradeinfra.ops.differences import show
    from tradeinfra.ops.promote import check_order, gates_once

    check_order(platform, source, destination)
    env = platform.environment(destination)
    with tempfile.TemporaryDirectory(prefix="tradeinfra-plan-") as scratch:
        gates_once(platform, state_dir, Path(scratch), on_line)
        described = f"the promotion of {source} ({git_commit()[:12]})"
        planned = plan_directory(platform, env, target, apps, Path(scratch), state_dir, described, allowed, on_line)
    kept = tuple(
        (row.path, show(row.values[source]), show(row.values[destination]))
        for row in environment_matrix(platform)
        if row.declared and row.values[source] != row.values[destination]
    )
    return replace(planned, variations=kept)
