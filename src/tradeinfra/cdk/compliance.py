"""cdk-nag v3 rule packs as validation plugins, and the acknowledged findings.

Every acknowledgment carries its reason and sits next to the resource it
covers; an acknowledgment that depends on the environment depends on a
config setting that is a declared variation, never on the environment name.
"""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks
from constructs import IConstruct

from tradeinfra.config.models import EnvironmentConfig


def add_compliance_checks(app: cdk.App) -> None:
    """Run AwsSolutions, PCI DSS 3.2.1 and NIST 800-53 rev 5 on every synth.

    cdk-nag v3 walks the whole construct tree of the app whichever stage it
    is registered on, so it is registered once, on the app: registered per
    stage, each synth ran every pack once per stage over everything."""
    cdk.Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, verbose=True),
        PCIDSS321Checks(app, verbose=True),
        NIST80053R5Checks(app, verbose=True),
    )


def acknowledge(scope: IConstruct, reasons: dict[str, str]) -> None:
    """Acknowledge findings (rule id -> reason) on `scope` and its children."""
    cdk.Validations.of(scope).acknowledge(
        *(cdk.Acknowledgment(id=rule, reason=reason) for rule, reason in reasons.items())
    )


def arn_of(resource: IConstruct) -> str:
    """How cdk-nag writes the ARN of `resource` in a finding: `<LogicalId.Arn>`."""
    stack = cdk.Stack.of(resource)
    default_child = resource.node.default_child
    assert isinstance(default_child, cdk.CfnElement), f"{resource.node.path} has no CloudFormation resource"
    return f"<{stack.resolve(stack.get_logical_id(default_child))}.Arn>"


def acknowledge_environment_findings(stage: cdk.Stage, config: EnvironmentConfig) -> None:
    """Findings acknowledged across the environment (none yet)."""
