"""`tradeinfra destroy`: tear an environment down, in reverse dependency order
(the web tier first: it reads the CDK app's VPC), from what the ledger says
was deployed there, and record the destruction as a version.

What config marks as retained (prod's table, buckets and keys, with
`retain_on_delete`; a final database snapshot where `skip_final_snapshot` is
off) stays, and is listed as kept: nothing is deleted silently. An environment
whose stacks carry termination protection (prod) is refused unless the caller
names it again with `--confirm`; one whose database or load balancer has
deletion protection (prod) is refused until config turns it off and a deploy
applies that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.errors import TradeinfraError
from tradeinfra.interruption import describe
from tradeinfra.ops.deploy import DeployError, describe_cdk_failure
from tradeinfra.ops.history import open_store
from tradeinfra.ops.targets import Target
from tradeinfra.ops.terraform_deploy import destroy_web_tier
from tradeinfra.ops.tools import OnLine, ToolError, cdk, check_tools
from tradeinfra.ops.versions import INTERRUPTED, DeploymentVersion, nothing_deployed

DESTROYED = "destroyed"


class DestroyRefusedError(TradeinfraError):
    """The environment is protected and the caller did not confirm it."""


@dataclass
class Destruction:
    version: DeploymentVersion
    destroyed: list[str] = field(default_factory=list)  # stacks and Terraform workspaces
    kept: list[str] = field(default_factory=list)  # retained resources, by type and name


def destroy(
    platform: PlatformConfig,
    environment: str,
    target: Target,
    apps: Sequence[str],
    state_dir: Path,
    confirm: str | None = None,
    on_line: OnLine | None = None,
) -> Destruction:
    env = platform.environment(environment)
    check_destroyable(platform, environment, apps, confirm)
    store = open_store(platform, target, state_dir, environment, on_line)
    sources = {app: store.last_succeeded(apps=[app]) for app in apps}
    deployed = [app for app in apps if sources[app] is not None]
    if not deployed:
        raise nothing_deployed(environment, target.kind.value, apps, store)
    check_tools(deployed)
    version = store.begin(deployed, _commit_of(sources), source_version=None)
    result = Destruction(version)
    try:
        if "tf" in deployed:
            source = sources["tf"]
            assert source is not None
            result.kept += _kept_by_terraform(platform, environment)
            result.destroyed += destroy_web_tier(
                platform, env, target, store.directory(source.version), state_dir, on_line
            )
        if "cdk" in deployed:
            source = sources["cdk"]
            assert source is not None
            assembly = store.directory(source.version) / "cdk.out"
            result.kept += kept_by_cloudformation(assembly, environment)
            result.destroyed += _destroy_stacks(env.name, target, assembly, platform, on_line)
    except TradeinfraError as exc:
        store.finish(version, "failed", detail=f"destroy: {exc}", stacks=result.destroyed)
        raise DeployError(f"destroying {environment} on {target.kind} failed: {exc}") from None
    except BaseException as exc:
        store.finish(version, INTERRUPTED, detail=f"destroy {describe(exc)}", stacks=result.destroyed)
        raise
    detail = "kept: " + "; ".join(result.kept) if result.kept else "nothing retained"
    result.version = store.finish(version, DESTROYED, detail=detail, stacks=result.destroyed)
    return result


def check_destroyable(platform: PlatformConfig, environment: str, apps: Sequence[str], confirm: str | None) -> None:
    """Refusals that come before anything is touched."""
    check_confirmed(platform, environment, confirm)
    if "tf" in apps:
        check_web_tier_unprotected(platform, environment)


def check_confirmed(platform: PlatformConfig, environment: str, confirm: str | None) -> None:
    """A protected environment (prod) is destroyed only when named twice."""
    if platform.environment(environment).security.termination_protection and confirm != environment:
        raise DestroyRefusedError(
            f"--env {environment}: a protected environment (security.termination_protection): "
            f"nothing was destroyed; to go ahead, name it again with --confirm {environment}"
        )
    if confirm is not None and confirm != environment:
        raise DestroyRefusedError(f"--confirm {confirm}: expected the environment being destroyed, {environment}")


def check_web_tier_unprotected(platform: PlatformConfig, environment: str) -> None:
    """Terraform cannot delete a protected database or load balancer: refuse
    before anything is destroyed rather than stop half-way."""
    web = platform.environment(environment).web_tier
    protected = [
        setting
        for setting, on in (
            ("web_tier.database.deletion_protection", web.database.deletion_protection),
            ("web_tier.load_balancer.deletion_protection", web.load_balancer.deletion_protection),
        )
        if on
    ]
    if protected:
        raise DestroyRefusedError(
            f"--env {environment}: the web tier is protected ({', '.join(protected)}): nothing was destroyed; "
            f"to destroy it, turn that off in config/environments/{environment}.yaml and deploy first"
        )


def _commit_of(sources: dict[str, DeploymentVersion | None]) -> str:
    commits = {source.git_commit for source in sources.values() if source is not None}
    return ",".join(sorted(commits))


def _destroy_stacks(
    environment: str, target: Target, assembly: Path, platform: PlatformConfig, on_line: OnLine | None
) -> list[str]:
    from tradeinfra.ops.deploy import environment_stacks

    env = platform.environment(environment)
    stacks = environment_stacks(assembly, environment)
    if on_line:
        on_line(f"cdk destroy: {len(stacks)} stacks of {environment}")
    try:
        cdk(
            ["destroy", f"{environment}/*", "--app", str(assembly), "--force", "--no-notices"],
            env=target.process_environment(env),
            on_line=on_line,
        )
    except ToolError as exc:
        raise DeployError(describe_cdk_failure(exc.output) or str(exc)) from None
    return stacks


def kept_by_cloudformation(assembly: Path, environment: str) -> list[str]:
    """Resources CloudFormation leaves in place when their stack is deleted
    (DeletionPolicy Retain), as `<type> <stack>/<logical id>`."""
    from tradeinfra.synthesized.cloud_assembly import read_assembly

    kept = []
    for stack in read_assembly(assembly).get(environment, {}).values():
        for logical_id, resource in stack.template.get("Resources", {}).items():
            if resource.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate", "Snapshot"):
                kept.append(f"{resource['Type']} {stack.stack_name}/{_name(resource) or logical_id}")
    return kept


def _name(resource: dict[str, Any]) -> str | None:
    properties = resource.get("Properties", {})
    for key in ("TableName", "BucketName", "FunctionName", "QueueName", "LogGroupName"):
        if isinstance(properties.get(key), str):
            return str(properties[key])
    return None


def _kept_by_terraform(platform: PlatformConfig, environment: str) -> list[str]:
    web = platform.environment(environment).web_tier
    kept = []
    if not web.database.skip_final_snapshot:
        kept.append(f"final snapshot of rds-{environment}-{web.environment_suffix} (rds-final-{environment}-...)")
    if not web.storage.force_destroy:
        kept.append(f"objects of web-{environment}-{web.environment_suffix} (web_tier.storage.force_destroy is off)")
    return kept
