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
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.emulator.prerequisites import Prerequisites, ensure_bootstrapped, is_bootstrapped
from tradeinfra.errors import TradeinfraError
from tradeinfra.interruption import describe
from tradeinfra.ops.history import open_store
from tradeinfra.ops.plan.model import Plan
from tradeinfra.ops.plan.preview import StatefulChangeError, allowances_recorded, guard, plan_directory
from tradeinfra.ops.rollback_triggers import cloudwatch_alarm_lookup, rollback_configuration
from tradeinfra.ops.targets import Target
from tradeinfra.ops.terraform_deploy import apply_web_tier
from tradeinfra.ops.tools import OnLine, ToolError, cdk, check_tools, git_commit
from tradeinfra.ops.versions import INTERRUPTED, DeploymentVersion, write_environment

APPS = ("cdk", "tf")

# Writes into a version's directory what that version deploys.
Build = Callable[[Path], None]


class DeployError(TradeinfraError):
    """A deployment failed; its version is recorded as failed."""


def deploy(
    platform: PlatformConfig,
    environment: str,
    target: Target,
    apps: Sequence[str],
    state_dir: Path,
    on_line: OnLine | None = None,
    deployed_cdk: Path | None = None,
    allowed: Sequence[str] = (),
) -> DeploymentVersion:
    """Synthesize `environment` and deploy it as a new recorded version.

    `deployed_cdk`: the cloud assembly whose stacks of `environment` another
    engine (the pipeline's CloudFormation actions) has just deployed; they
    are checked on the target and recorded in the same version, not deployed."""
    env = platform.environment(environment)
    if deployed_cdk is not None:
        _check_assembly(deployed_cdk, environment)
        apps = ["cdk", *(app for app in apps if app != "cdk")]
    to_synthesize = [app for app in apps if app != "cdk" or deployed_cdk is None]

    def build(directory: Path) -> None:
        if to_synthesize:
            synthesize(platform, [environment], to_synthesize, directory, on_line)
        if deployed_cdk is not None:
            shutil.copytree(deployed_cdk, directory / "cdk.out", dirs_exist_ok=True)
        write_environment(directory, env)

    return deploy_version(
        platform, env, target, apps, state_dir, build, on_line, cdk_deployed=deployed_cdk is not None, allowed=allowed
    )


def deploy_version(
    platform: PlatformConfig,
    env: EnvironmentConfig,
    target: Target,
    apps: Sequence[str],
    state_dir: Path,
    build: Build,
    on_line: OnLine | None = None,
    source: DeploymentVersion | None = None,
    cdk_deployed: bool = False,
    allowed: Sequence[str] = (),
) -> DeploymentVersion:
    """Record a new version, let `build` fill its directory, deploy it; the
    record says how it ended, also when interrupted. A rollback names the
    version it redeploys (`source`), whose commit it deploys. `cdk_deployed`:
    the CDK stacks in the directory are already deployed; check them only.
    Each app is planned first (a web tier deployed before: together with the
    CDK stacks); a stateful resource it would replace or remove stops the
    deployment there (StatefulChangeError) unless `allowed` names it or the
    environment's reviewed replacements (config/replacements.yaml) list that
    very change."""
    check_tools(apps)  # a missing tool is bad input, not a failed version
    with ThreadPoolExecutor(max_workers=2) as alongside:
        needs = [app for app in apps if app != "cdk" or not cdk_deployed]
        prepared = (
            Prerequisites(alongside, platform, env, target, needs, state_dir, on_line) if target.is_local else None
        )
        store = open_store(platform, target, state_dir, env.name, on_line)
        commit = source.git_commit if source else git_commit()
        recorded = allowances_recorded(platform, env.name, allowed)
        web_tier_deployed = "tf" in apps and store.last_succeeded(apps=["tf"]) is not None
        version = store.begin(list(apps), commit, source.version if source else None, recorded)
        directory = store.directory(version.version)
        stacks: list[str] = []
        try:
            build(directory)
            if "cdk" in apps:
                if cdk_deployed:
                    confirm_deployed(env, target, directory / "cdk.out", on_line)
                else:
                    if prepared is not None:
                        prepared.needed_by_cdk()
                    planned = plan_directory(platform, env, target, ["cdk"], directory, state_dir, "", allowed)
                    if web_tier_deployed:
                        if prepared is not None:
                            prepared.needed_by_web_tier()
                        planned = _with_web_tier(planned, platform, env, target, directory, state_dir, on_line)
                    guard(planned)
                    deploy_assembly(env, target, directory / "cdk.out", on_line)
                stacks += environment_stacks(directory / "cdk.out", env.name)
            if "tf" in apps:
                if prepared is not None:
                    prepared.needed_by_web_tier()
                stacks += apply_web_tier(platform, env, target, directory, state_dir, on_line, allowed)
            if prepared is not None:
                prepared.finish()
        except TradeinfraError as exc:
            store.finish(version, "failed", detail=str(exc), stacks=stacks)
            if isinstance(exc, StatefulChangeError):
                raise  # a refusal (exit 2), not a failed deployment
            raise DeployError(f"deployment {version.version} of {env.name} to {target.kind} failed: {exc}") from None
        except BaseException as exc:  # interrupted: the record must still say so
            store.finish(version, INTERRUPTED, detail=describe(exc), stacks=stacks)
            raise
    return store.finish(version, "succeeded", stacks=stacks)


def _with_web_tier(
    planned: Plan,
    platform: PlatformConfig,
    env: EnvironmentConfig,
    target: Target,
    directory: Path,
    state_dir: Path,
    on_line: OnLine | None,
) -> Plan:
    """The CDK stacks' plan with the deployed web tier's: a stateful change in
    either stops the release before CloudFormation changes anything, so a
    refusal leaves the whole environment as it was. This plan reads the
    network as it is now; the web tier is planned again, and guarded, once
    the stacks are deployed, and that plan is the one applied. A web tier
    that cannot be planned yet (the release changes what it reads) is left
    to that second plan."""
    from tradeinfra.ops.plan.web_tier import plan_web_tier

    try:
        web_tier = plan_web_tier(platform, env, target, directory, state_dir, on_line)
    except TradeinfraError as exc:
        if on_line:
            on_line(f"terraform plan: the web tier is planned after the CDK stacks deploy ({exc})")
        return planned
    return replace(planned, apps=(*planned.apps, web_tier))


def synthesize(
    platform: PlatformConfig, environments: list[str], apps: Sequence[str], directory: Path, on_line: OnLine | None
) -> None:
    """What a version deploys, into its directory: the cloud assembly of
    `environments` (cdk-nag runs), the web tier and every environment's tfvars."""
    from tradeinfra.synth import IN_PROCESS, synth_all

    cdk_out, cdktf_out, tfvars = directory / "cdk.out", directory / "cdktf.out", directory / "terraform"
    if on_line:
        on_line(f"synthesizing {', '.join(apps)} for {', '.join(environments)} (with cdk-nag) into {directory}")
    if set(apps) == set(APPS):
        synth_all(platform, environments, cdk_out, cdktf_out, tfvars)  # in worker processes
    elif "cdk" in apps:
        from tradeinfra.cdk.synth import synth_cdk

        with IN_PROCESS:
            synth_cdk(platform, environments, cdk_out)
    else:
        from tradeinfra.tf.app import synth_tf

        with IN_PROCESS:
            synth_tf(platform, cdktf_out, tfvars)


def environment_stacks(assembly: Path, environment: str) -> list[str]:
    from tradeinfra.synthesized.cloud_assembly import read_assembly

    return [stack.stack_name for stack in read_assembly(assembly).get(environment, {}).values()]


def check_references(assembly: Path, environment: str) -> None:
    """Every value a stack of `environment` reads from Parameter Store is
    written by a stack deployed before it: a release cannot drop (or
    reorder) a producer while a consumer still reads its parameters."""
    from tradeinfra.synthesized.cloud_assembly import read_assembly
    from tradeinfra.synthesized.references import template_references

    stacks = read_assembly(assembly).get(environment, {})
    order = {stack.stack_name: stack.depends_on for stack in stacks.values()}
    broken = [
        f"{r.consumer} reads {r.parameter}, which "
        + (
            "no stack of the release writes"
            if r.producer is None
            else f"{r.producer} writes, but is not deployed first"
        )
        for r in template_references(environment, stacks)
        if r.producer is None or r.producer not in order[r.consumer]
    ]
    if broken:
        raise DeployError(f"{assembly}: " + "; ".join(broken))


def _check_assembly(assembly: Path, environment: str) -> None:
    from tradeinfra.synthesized.cloud_assembly import AssemblyError, read_assembly

    try:
        stages = read_assembly(assembly)
    except AssemblyError as exc:
        raise DeployError(f"--deployed-cdk {assembly}: {exc}") from None
    if not stages.get(environment):
        raise DeployError(f"--deployed-cdk {assembly}: the cloud assembly holds no stack of {environment}")


# Where a stack is after a deployment that succeeded.
SETTLED = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE")


def confirm_deployed(env: EnvironmentConfig, target: Target, assembly: Path, on_line: OnLine | None) -> None:
    """Every stack of `env` in the assembly is deployed and settled on the
    target: what the pipeline's CloudFormation actions left behind."""
    cloudformation = target.client("cloudformation", env)
    unsettled = []
    for name in environment_stacks(assembly, env.name):
        try:
            (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
            status = str(stack["StackStatus"])
        except cloudformation.exceptions.ClientError as exc:
            status = "not deployed" if "does not exist" in str(exc) else f"unreadable ({exc})"
        if status not in SETTLED:
            unsettled.append(f"{name}: {status}")
    if unsettled:
        raise DeployError("the CDK stacks the pipeline deployed are not settled: " + "; ".join(unsettled))
    if on_line:
        on_line(f"CDK stacks of {env.name} deployed by the pipeline: all settled")


def deploy_assembly(env: EnvironmentConfig, target: Target, assembly: Path, on_line: OnLine | None) -> None:
    """Deploy every stack of `env` found in a synthesized (or recorded) assembly."""
    check_references(assembly, env.name)
    variables = target.process_environment(env)
    _ensure_bootstrapped(env, target, on_line)
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


def _ensure_bootstrapped(env: EnvironmentConfig, target: Target, on_line: OnLine | None) -> None:
    cloudformation = target.client("cloudformation", env)
    try:
        if is_bootstrapped(cloudformation):
            return
    except cloudformation.exceptions.ClientError as exc:
        raise DeployError(f"cannot read the CloudFormation stacks of {env.account}/{env.region}: {exc}") from None
    if not target.is_local:
        raise DeployError(
            f"aws://{env.account}/{env.region} is not bootstrapped for the CDK: bootstrap it once, trusting the "
            "tooling account (README, 'Synthesize, diff, deploy')"
        )
    ensure_bootstrapped(env, target, on_line)


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
