"""What CloudFormation may do in an account, instead of AdministratorAccess.

`cdk bootstrap` gives the account's CloudFormation execution role the
policies named by `--cloudformation-execution-policies` and the permissions
boundary named by `--custom-permissions-boundary`. This module writes both,
per account, as one stack (`<prefix>-cfn-execution` and
`<prefix>-cfn-execution-boundary`), from the project's own app:

- the execution policy allows exactly the services whose resources the
  account's stacks declare, in the account's region, and IAM only on the
  roles and policies named after those stacks;
- the boundary is the same ceiling, plus what no deployment may do whatever
  a policy says: create a role without the project's boundary on it, remove
  a boundary, create IAM users or keys, or change these two policies.

The stack is deployed once per account by an administrator, before
`cdk bootstrap` (README: "Bootstrap an account").
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from tradeinfra.cdk.compliance import acknowledge, add_compliance_checks
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.naming import ResourceKind, cdk_name, check_name, stack_name
from tradeinfra.errors import TradeinfraError

TOOLING = "tooling"
# CloudFormation resource namespace -> IAM service prefix, where they differ.
SERVICE_OF_NAMESPACE = {
    "ApiGateway": "apigateway",
    "ApplicationAutoScaling": "application-autoscaling",
    "CodeStarConnections": "codestar-connections",
}
NO_SERVICE = {"AWS::CDK::Metadata"}  # template metadata, not a resource
CONNECTIONS = ("codestar-connections", "codeconnections")
# Whatever a policy grants, no deployment may do these.
NEVER = [
    "iam:CreateUser",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:AttachUserPolicy",
    "iam:PutUserPolicy",
    "iam:DeleteRolePermissionsBoundary",
    "organizations:*",
    "account:*",
]


@dataclass(frozen=True)
class AccountScope:
    """One account's deployments: what its stacks declare and where."""

    prefix: str  # names of its stacks, roles and policies start with it, e.g. dev-trading
    account: str
    region: str  # where this stack goes
    regions: tuple[str, ...]  # where the account's stacks are
    services: tuple[str, ...]
    boundaries: tuple[str, ...]  # policy names every role CloudFormation creates must carry (one of)

    @property
    def execution_policy(self) -> str:
        return check_name(f"{self.prefix}-cfn-execution", ResourceKind.IAM_POLICY)

    @property
    def boundary(self) -> str:
        return check_name(f"{self.prefix}-cfn-execution-boundary", ResourceKind.IAM_POLICY)


def services_of(resource_types: Iterable[str]) -> tuple[str, ...]:
    """The IAM service prefixes of CloudFormation resource types."""
    services = set()
    for resource_type in resource_types:
        if resource_type in NO_SERVICE:
            continue
        if resource_type.startswith("Custom::"):
            services.add("lambda")  # a custom resource is a Lambda function CloudFormation invokes
            continue
        vendor, namespace, _ = resource_type.split("::", 2)
        if vendor != "AWS":
            raise TradeinfraError(f"{resource_type}: not an AWS resource type; name its IAM service in {__name__}")
        services.add(SERVICE_OF_NAMESPACE.get(namespace, namespace.lower()))
    return tuple(sorted(services))


def resource_types(scopes: Sequence[IConstruct]) -> set[str]:
    return {
        node.cfn_resource_type
        for scope in scopes
        for node in scope.node.find_all()
        if isinstance(node, cdk.CfnResource)
    }


class BootstrapPoliciesStack(cdk.Stack):
    def __init__(self, scope: Construct, *, account: AccountScope) -> None:
        name = check_name(f"{account.prefix}-bootstrap-policies", ResourceKind.CLOUDFORMATION_STACK)
        super().__init__(
            scope,
            name,
            stack_name=name,
            env=cdk.Environment(account=account.account, region=account.region),
            termination_protection=True,
            description="What CloudFormation may do in this account (cdk bootstrap execution policy and boundary)",
        )
        partition, acct = self.partition, account.account
        ceiling = self._ceiling(account, partition)
        execution = iam.ManagedPolicy(
            self,
            "ExecutionPolicy",
            managed_policy_name=account.execution_policy,
            description=f"CloudFormation deploys the {account.prefix} stacks: their services, their roles",
            statements=ceiling,
        )
        boundaries = [f"arn:{partition}:iam::{acct}:policy/{name}" for name in account.boundaries]
        own = [f"arn:{partition}:iam::{acct}:policy/{account.prefix}-cfn-execution*"]
        iam.ManagedPolicy(
            self,
            "Boundary",
            managed_policy_name=account.boundary,
            description=f"Ceiling of CloudFormation in this account: {account.prefix} only, never unbounded roles",
            statements=[
                *ceiling,
                iam.PolicyStatement(
                    sid="NoRoleWithoutTheProjectsBoundary",
                    effect=iam.Effect.DENY,
                    actions=["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
                    resources=["*"],
                    conditions={"StringNotEquals": {"iam:PermissionsBoundary": boundaries}},
                ),
                iam.PolicyStatement(
                    sid="NeverUsersKeysOrUnbounding", effect=iam.Effect.DENY, actions=NEVER, resources=["*"]
                ),
                iam.PolicyStatement(
                    sid="NeverTheseTwoPolicies",
                    effect=iam.Effect.DENY,
                    actions=[
                        "iam:CreatePolicyVersion",
                        "iam:DeletePolicy",
                        "iam:DeletePolicyVersion",
                        "iam:SetDefaultPolicyVersion",
                    ],
                    resources=own,
                ),
            ],
        )
        cdk.CfnOutput(self, "ExecutionPolicyArn", value=execution.managed_policy_arn)
        cdk.CfnOutput(self, "BoundaryName", value=account.boundary)
        reason = "A ceiling for CloudFormation, not a person's grant: the services this account's stacks declare, in its region"
        acknowledge(
            self,
            {
                **{f"AwsSolutions::AwsSolutions-IAM5[Action::{s}:*]": reason for s in account.services},
                "AwsSolutions::AwsSolutions-IAM5[Resource::*]": reason,
                **{
                    f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::{acct}:{kind}/{account.prefix}-*]": "IAM only on the roles and policies named after this account's stacks"
                    for kind in ("role", "policy")
                },
                **{
                    f"{pack}::{pack}-IAMPolicyNoStatementsWithFullAccess": reason
                    for pack in ("NIST.800.53.R5", "PCI.DSS.321")
                },
            },
        )

    @staticmethod
    def _ceiling(account: AccountScope, partition: str) -> list[iam.PolicyStatement]:
        regional = [s for s in account.services if s != "iam"]
        return [
            iam.PolicyStatement(
                sid="TheServicesItsStacksDeclare",
                actions=[f"{service}:*" for service in regional],
                resources=["*"],
                conditions={"StringEquals": {"aws:RequestedRegion": list(account.regions)}},
            ),
            iam.PolicyStatement(
                sid="RolesAndPoliciesNamedAfterItsStacks",
                actions=["iam:*"],
                resources=[
                    f"arn:{partition}:iam::{account.account}:role/{account.prefix}-*",
                    f"arn:{partition}:iam::{account.account}:policy/{account.prefix}-*",
                ],
            ),
            iam.PolicyStatement(
                sid="ServiceLinkedRolesAndReads",
                actions=[
                    "iam:CreateServiceLinkedRole",
                    "iam:GetRole",
                    "iam:GetPolicy",
                    "iam:ListRoles",
                    "ssm:GetParameters",
                ],
                resources=["*"],
            ),
        ]


def account_scopes(platform: PlatformConfig) -> dict[str, AccountScope]:
    """Every account's scope: one per environment, and the tooling account
    (the pipeline), derived from the app the project deploys there."""
    from tradeinfra.cdk.app import build_app

    app = build_app(platform, platform.names)
    scopes = {}
    for name in platform.names:
        env = platform.environment(name)
        stage = app.node.find_child(name)
        scopes[name] = AccountScope(
            prefix=stack_name(name, "x").removesuffix("-x"),
            account=env.account,
            region=env.region,
            regions=(env.region,),
            services=services_of(resource_types([stage])),
            boundaries=(
                cdk_name(name, env.security.permission_boundary_name, ResourceKind.IAM_POLICY),
                cdk_name(name, "web-tier-deploy-ceiling", ResourceKind.IAM_POLICY),
            ),
        )
    if platform.delivery is not None:
        delivery = platform.delivery
        top_level = [child for child in app.node.children if isinstance(child, cdk.Stack)]
        scopes[TOOLING] = AccountScope(
            prefix=delivery.pipeline_name,
            account=delivery.account,
            region=delivery.region,
            # the pipeline's cross-region support stacks (replication buckets and keys) too
            regions=tuple(sorted({stack.region for stack in top_level})),
            # creating a pipeline with a source connection passes the connection
            services=tuple(sorted({*services_of(resource_types(top_level)), *CONNECTIONS})),
            boundaries=(f"{delivery.pipeline_name}-boundary",),
        )
    return scopes


def bootstrap_template(
    platform: PlatformConfig, account: str, scopes: dict[str, AccountScope] | None = None
) -> dict[str, Any]:
    """The CloudFormation template of `account`'s bootstrap policies (an
    environment name, or `tooling`), checked by the three cdk-nag packs."""
    scopes = scopes if scopes is not None else account_scopes(platform)
    if account not in scopes:
        raise TradeinfraError(f"--env {account}: expected one of {', '.join(scopes)}")
    with tempfile.TemporaryDirectory(prefix="tradeinfra-bootstrap-") as scratch:
        app = cdk.App(outdir=scratch)
        add_compliance_checks(app)
        stack = BootstrapPoliciesStack(app, account=scopes[account])
        app.synth()
        return dict(json.loads((Path(scratch) / stack.template_file).read_text(encoding="utf-8")))


__all__ = ["AccountScope", "BootstrapPoliciesStack", "account_scopes", "bootstrap_template"]
