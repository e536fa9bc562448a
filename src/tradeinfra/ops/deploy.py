"""`tradeinfra deploy`: put one environment on a target, and record it.

The CDK app is synthesized for that environment into the version's own
directory (cdk-nag runs, as for every synth) and deployed from there with the
pinned CDK CLI; a rollback later deploys a recorded directory again. On the
emulator the CLI uses direct deployments (moto drops the outputs of stacks
created through change sets) and the account is bootstrapped on first use; on
AWS, bootstrapping is a deliberate step (README) and the environment's release
alarms are passed as CloudFormation rollback triggers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.errors import TradeinfraError
from tradeinfra.ops.rollback_triggers import cloudwatch_alarm_lookup, rollback_configuration
from tradeinfra.ops.targets import Target
from tradeinfra.ops.terraform_deploy import deploy_web_tier
from tradeinfra.ops.tools import OnLine, ToolError, cdk, git_commit
from tradeinfra.ops.versions import DeploymentStore, DeploymentVersion

APPS = ("cdk", "tf")
BOOTSTRAP_STACK = "CDKToolkit"


class DeployError(TradeinfraError):
    """A deployment failed; its version is recorded as failed."""


def deploy(
    platform: PlatformConfig,
    environment: str,
    target: Target,
    apps: Sequence[str],
    state_dir: Path,
    on_line: OnLine | None = None,
) -> DeploymentVersion:
    env = platform.environment(environment)
    store = DeploymentStore(state_dir, target.kind.value, environment)
    version = store.begin(list(apps), git_commit())
    directory = store.directory(version.version)
    stacks: list[str] = []
    try:
        if "cdk" in apps:
            stacks += deploy_cdk(platform, env, target, directory / "cdk.out", on_line)
        if "tf" in apps:
            stacks += deploy_web_tier(platform, env, target, directory, state_dir, on_line)
    except TradeinfraError as exc:
        store.finish(version, "failed", detail=str(exc), stacks=stacks)
        raise DeployError(f"deployment {version.version} of {environment} to {target.kind} failed: {exc}") from None
    except BaseException as exc:  # interrupted: the record must still say so
        store.finish(version, "failed", detail=f"interrupted: {type(exc).__name__}", stacks=stacks)
        raise
    return store.finish(version, "succeeded", stacks=stacks)


def deploy_cdk(
    platform: PlatformConfig, env: EnvironmentConfig, target: Target, assembly: Path, on_line: OnLine | None
) -> list[str]:
    from tradeinfra.cdk.synth import synth_cdk

    if on_line:
        on_line(f"synthesizing {env.name} (with cdk-nag) into {assembly}")
    stacks = synth_cdk(platform, [env.name], assembly).stacks
    deploy_assembly(env, target, assembly, on_line)
    return stacks


def deploy_assembly(env: EnvironmentConfig, target: Target, assembly: Path, on_line: OnLine | None) -> None:
    """Deploy every stack of `env` found in a synthesized (or recorded) assembly."""
    variables = target.process_environment(env)
    _ensure_bootstrapped(env, target, assembly, variables, on_line)
    args = [
        "deploy",
        f"{env.name}/*",
        "--app",
        str(assembly),
        "--require-approval",
        "never",
        "--progress",
        "events",
        "--no-notices",
    ]
    if target.is_local:
        args.append("--method=direct")
    else:
        lookup = cloudwatch_alarm_lookup(target.client("cloudwatch", env))
        args += rollback_configuration(env, lookup).cdk_arguments()
    try:
        cdk(args, env=variables, on_line=on_line)
    except ToolError as exc:
        raise DeployError(describe_cdk_failure(exc.output) or str(exc)) from None


def _ensure_bootstrapped(
    env: EnvironmentConfig, target: Target, assembly: Path, variables: dict[str, str], on_line: OnLine | None
) -> None:
    cloudformation = target.client("cloudformation", env)
    try:
        cloudformation.describe_stacks(StackName=BOOTSTRAP_STACK)
        return
    except cloudformation.exceptions.ClientError as exc:
        if "does not exist" not in str(exc):
            raise DeployError(f"cannot read the CloudFormation stacks of {env.account}/{env.region}: {exc}") from None
    if not target.is_local:
        raise DeployError(
            f"aws://{env.account}/{env.region} is not bootstrapped for the CDK: bootstrap it once, trusting the "
            "tooling account (README, 'Synthesize, diff, deploy')"
        )
    cdk(
        ["bootstrap", f"aws://{env.account}/{env.region}", "--app", str(assembly), "--no-notices"],
        env=variables,
        on_line=on_line,
    )


FAILED_STACK = re.compile(r"❌\s+(?P<stack>\S+) failed to deploy")


def describe_cdk_failure(output: Sequence[str]) -> str | None:
    """`stack <name>: <reason>` from the CDK CLI's output, when it names them."""
    for index, line in enumerate(output):
        match = FAILED_STACK.search(line)
        if match is None:
            continue
        reasons = [o.strip().lstrip("‣").strip() for o in output[index + 1 : index + 4] if o.strip()]
        return f"stack {match['stack']}: {reasons[0] if reasons else 'failed (no reason given)'}"
    return None
