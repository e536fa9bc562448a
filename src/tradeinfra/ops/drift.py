"""`tradeinfra drift`: what changed in an environment outside a deployment.

On AWS, CloudFormation drift detection for the CDK stacks, stale references
between them (a consumer deployed against an older value of a parameter its
producer publishes), and `terraform plan -refresh-only -detailed-exitcode`
for the web tier. The emulator has no drift APIs, so there the conformance
checks (stale references included) compare the live resources with the
configuration the last successful version deployed, and Terraform's own
refresh-only plan runs against the emulator as on AWS.

Each drift names the resource, the property, the expected and the actual value.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.errors import TradeinfraError
from tradeinfra.ops.checks import Outcome
from tradeinfra.ops.deploy import APPS, synthesize
from tradeinfra.ops.differences import VOLATILE_ATTRIBUTES, differences, show
from tradeinfra.ops.history import open_store
from tradeinfra.ops.references import consumed_references
from tradeinfra.ops.targets import Target
from tradeinfra.ops.terraform_deploy import open_workspace
from tradeinfra.ops.tools import OnLine
from tradeinfra.ops.validate import conformance
from tradeinfra.ops.versions import NotDeployedError, nothing_deployed, read_environment


@dataclass(frozen=True)
class Drift:
    source: str  # what found it: cloudformation, terraform, conformance
    resource: str
    property: str
    expected: str
    actual: str


@dataclass(frozen=True)
class DriftReport:
    environment: str
    target: str
    versions: str  # the deployed versions compared with, e.g. `cdk v0003, tf v0002`
    drifts: list[Drift]
    checked: list[str]  # what was examined, e.g. stacks and the web-tier workspace

    @property
    def drifted(self) -> bool:
        return bool(self.drifts)

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "target": self.target,
            "versions": self.versions,
            "drifted": self.drifted,
            "checked": self.checked,
            "drifts": [asdict(d) for d in self.drifts],
        }


def detect_drift(
    platform: PlatformConfig,
    environment: str,
    target: Target,
    state_dir: Path,
    on_line: OnLine | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DriftReport:
    env = platform.environment(environment)
    store = open_store(platform, target, state_dir, environment)
    # per app, the last version that deployed it
    deployed = {app: version for app in APPS if (version := store.last_succeeded(apps=[app])) is not None}
    drifts: list[Drift] = []
    checked: list[str] = []
    if target.is_local:
        if not deployed:
            raise nothing_deployed(environment, "local", store=store)
        for app, version in deployed.items():
            recorded = read_environment(store.directory(version.version))
            for item in conformance(recorded, target, [app]):
                if item.outcome is Outcome.failed:
                    drifts.append(Drift("conformance", item.resource, item.setting, item.expected, item.actual))
            checked.append(f"{app}: conformance with {version.version}")
    else:
        cloudformation = target.client("cloudformation", env)
        stacks = environment_stack_names(cloudformation, environment)
        drifts += cloudformation_drifts(cloudformation, stacks, sleep, on_line)
        drifts += [
            Drift("reference", ref.consumer, f"reference {ref.parameter}", ref.current or "(deleted)", ref.deployed)
            for ref in consumed_references(cloudformation, target.client("ssm", env), environment)
            if ref.stale
        ]
        checked += stacks
    if "tf" in deployed:
        source = store.directory(deployed["tf"].version)
        drifts += terraform_drifts(platform, environment, target, state_dir, source, on_line)
        checked.append(f"tf: terraform refresh-only plan of {deployed['tf'].version}")
    elif not target.is_local:
        # Nothing recorded here (e.g. in the pipeline): compare with this checkout's web tier.
        source = state_dir / "drift" / environment
        synthesize(platform, [environment], ["tf"], source, on_line)
        drifts += terraform_drifts(platform, environment, target, state_dir, source, on_line)
        checked.append("tf: terraform refresh-only plan of this checkout")
    versions = ", ".join(f"{app} {v.version}" for app, v in deployed.items()) or "-"
    return DriftReport(environment, target.kind.value, versions, drifts, checked)


# -- CloudFormation -------------------------------------------------------------------

DETECTION_TIMEOUT_SECONDS = 600


def environment_stack_names(cloudformation: Any, environment: str) -> list[str]:
    prefix = f"{environment}-trading-"
    names = [
        stack["StackName"]
        for page in cloudformation.get_paginator("describe_stacks").paginate()
        for stack in page["Stacks"]
        if stack["StackName"].startswith(prefix)
    ]
    if not names:
        raise NotDeployedError(f"{environment} on aws: no stacks named {prefix}* in this account and region")
    return sorted(names)


def cloudformation_drifts(
    cloudformation: Any, stacks: list[str], sleep: Callable[[float], None], on_line: OnLine | None
) -> list[Drift]:
    """Start drift detection on every stack, wait for all, list what drifted."""
    detections = {
        stack: cloudformation.detect_stack_drift(StackName=stack)["StackDriftDetectionId"] for stack in stacks
    }
    drifts: list[Drift] = []
    deadline = time.monotonic() + DETECTION_TIMEOUT_SECONDS
    pending = dict(detections)
    while pending:
        for stack, detection in list(pending.items()):
            status = cloudformation.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
            if status["DetectionStatus"] == "DETECTION_IN_PROGRESS":
                continue
            del pending[stack]
            if on_line:
                on_line(f"{stack}: {status.get('StackDriftStatus', status['DetectionStatus'])}")
            if status["DetectionStatus"] == "DETECTION_FAILED":
                reason = status.get("DetectionStatusReason", "no reason given")
                drifts.append(Drift("cloudformation", stack, "drift detection", "completed", f"failed: {reason}"))
            if status.get("StackDriftStatus") == "DRIFTED":
                drifts += list(_resource_drifts(cloudformation, stack))
        if pending:
            if time.monotonic() > deadline:
                raise TradeinfraError(
                    f"drift detection still running after {DETECTION_TIMEOUT_SECONDS} s: {sorted(pending)}"
                )
            sleep(5)
    return drifts


def _resource_drifts(cloudformation: Any, stack: str) -> Iterator[Drift]:
    for resource in _drifted_resources(cloudformation, stack):
        name = f"{stack}/{resource['LogicalResourceId']} ({resource.get('PhysicalResourceId', '-')})"
        if resource["StackResourceDriftStatus"] == "DELETED":
            yield Drift("cloudformation", name, "resource", "present", "deleted")
            continue
        for difference in resource.get("PropertyDifferences", []):
            yield Drift(
                "cloudformation",
                name,
                difference["PropertyPath"],
                difference.get("ExpectedValue", "-"),
                difference.get("ActualValue", "-"),
            )


def _drifted_resources(cloudformation: Any, stack: str) -> Iterator[dict[str, Any]]:
    """DescribeStackResourceDrifts page by page (botocore has no paginator for it)."""
    arguments: dict[str, Any] = {"StackName": stack, "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"]}
    while True:
        page = cloudformation.describe_stack_resource_drifts(**arguments)
        yield from page["StackResourceDrifts"]
        if not page.get("NextToken"):
            return
        arguments["NextToken"] = page["NextToken"]


# -- Terraform --------------------------------------------------------------------------

# On the emulator only: moto reports a DB parameter group's parameters
# inconsistently from one read to the next (measured: empty, then all).
EMULATOR_GAPS = {"aws_db_parameter_group": {"parameter"}}


def terraform_drifts(
    platform: PlatformConfig,
    environment: str,
    target: Target,
    state_dir: Path,
    source: Path,
    on_line: OnLine | None,
) -> list[Drift]:
    """`terraform plan -refresh-only` on the environment's workspace, with the
    configuration and tfvars in `source` (what the deployed version applied)."""
    env = platform.environment(environment)
    workspace = open_workspace(platform, env, target, source, state_dir, on_line)
    if on_line:
        on_line(f"terraform plan -refresh-only: {workspace.what}")
    plan = workspace.directory / "drift.tfplan"
    run = workspace.run(
        [
            "plan",
            "-refresh-only",
            "-detailed-exitcode",
            "-input=false",
            "-no-color",
            "-lock=false",  # reads only; never blocks (or is blocked by) a deployment
            f"-var-file={workspace.tfvars}",
            f"-out={plan.name}",
        ],
        on_line,
        ok_codes=(0, 2),
    )
    if run.returncode == 0:
        return []
    shown = workspace.run(["show", "-json", "-no-color", plan.name], None, stdout_only=True)
    return plan_drifts(json.loads("\n".join(shown.output)), EMULATOR_GAPS if target.is_local else {})


def plan_drifts(plan: dict[str, Any], also_ignored: dict[str, set[str]] | None = None) -> list[Drift]:
    """Drifts in a refresh-only plan (`terraform show -json`): each changed
    attribute of each resource, volatile attributes left out."""
    drifts = []
    for resource in plan.get("resource_drift", []):
        change = resource.get("change", {})
        address = resource.get("address", "?")
        if change.get("after") is None:
            drifts.append(Drift("terraform", address, "resource", "present", "deleted"))
            continue
        kind = resource.get("type", "")
        ignored = VOLATILE_ATTRIBUTES.get(kind, set()) | (also_ignored or {}).get(kind, set())
        for path, before, after in differences(change.get("before") or {}, change.get("after") or {}):
            if path.split(".")[0].split("[")[0] not in ignored:
                drifts.append(Drift("terraform", address, path, show(before), show(after)))
    return drifts
