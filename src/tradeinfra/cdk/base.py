"""What every stack of the trading platform shares (spec item 1)."""

from __future__ import annotations

import re

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from constructs import Construct, IConstruct

from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.config.naming import ResourceKind, cdk_name, ssm_parameter, stack_name
from tradeinfra.config.tags import MANAGED_BY_CDK, mandatory_tags


class TradingStack(cdk.Stack):
    """A stack of one environment: `<env>-trading-<component>` in the
    environment's own account and region, with the mandatory tags on every
    taggable resource, the environment's permission boundary on every IAM
    role, and termination protection where config asks. Outputs go through
    `publish`, which also writes them to SSM Parameter Store under
    /trading/<env>/<component>/.
    """

    def __init__(self, scope: Construct, component: str, *, environment: EnvironmentConfig, description: str) -> None:
        super().__init__(
            scope,
            component,  # construct ID identical in every environment
            stack_name=stack_name(environment.name, component),
            env=cdk.Environment(account=environment.account, region=environment.region),
            termination_protection=environment.security.termination_protection,
            description=f"{description} ({environment.name})",
        )
        self.environment_name = environment.name
        self.retain_audit_logs = environment.security.retain_audit_logs
        self.component = component
        self._zones = environment.availability_zone_names
        tags = mandatory_tags(environment, MANAGED_BY_CDK)
        for key, value in tags.items():
            cdk.Tags.of(self).add(key, value)
        boundary_name = cdk_name(
            environment.name, environment.security.permission_boundary_name, ResourceKind.IAM_POLICY
        )
        boundary = iam.ManagedPolicy.from_managed_policy_name(self, "PermissionsBoundary", boundary_name)
        iam.PermissionsBoundary.of(self).apply(boundary)
        cdk.Aspects.of(self).add(GuardProviderResources(boundary.managed_policy_arn, tags))

    @property
    def availability_zones(self) -> list[str]:
        # From config, so synth never looks the account's AZs up.
        return self._zones

    def publish(self, name: str, value: str, description: str) -> ssm.StringParameter:
        """A stack output that is also an SSM parameter /trading/<env>/<component>/<name>."""
        construct_id = "".join(part.capitalize() for part in re.split(r"[-_]", name))
        cdk.CfnOutput(self, construct_id, value=value, description=description)
        return ssm.StringParameter(
            self,
            f"{construct_id}Parameter",
            parameter_name=ssm_parameter(self.environment_name, self.component, name),
            string_value=value,
            description=description,
        )


@jsii.implements(cdk.IAspect)
class GuardProviderResources:
    """CDK's custom-resource providers (e.g. the one that empties the default
    security group) create their role and function as raw CfnResources, which
    neither Tags nor PermissionsBoundary reach. Give them both."""

    def __init__(self, boundary_arn: str, tags: dict[str, str]) -> None:
        self._boundary_arn = boundary_arn
        self._tags = [{"Key": key, "Value": value} for key, value in tags.items()]

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, cdk.CfnResource) or isinstance(node, iam.CfnRole | lambda_.CfnFunction):
            return  # typed L1 resources are covered by Tags and PermissionsBoundary
        if node.cfn_resource_type == "AWS::IAM::Role":
            node.add_property_override("PermissionsBoundary", self._boundary_arn)
            node.add_property_override("Tags", self._tags)
        elif node.cfn_resource_type == "AWS::Lambda::Function":
            node.add_property_override("Tags", self._tags)


def pipeline_step_principal(scope: Construct, account: str, step_role_name: str) -> iam.IPrincipal:
    """Exactly one role of the delivery pipeline (in the tooling `account`):
    the trust of a role that only that pipeline step may assume."""
    partition = cdk.Stack.of(scope).partition
    step_role = f"arn:{partition}:iam::{account}:role/{step_role_name}"
    return iam.AccountPrincipal(account).with_conditions({"ArnEquals": {"aws:PrincipalArn": step_role}})
