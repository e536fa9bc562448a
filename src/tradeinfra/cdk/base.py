"""What every stack of the trading platform shares (spec item 1)."""

from __future__ import annotations

import re

import aws_cdk as cdk
import jsii
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from constructs import Construct, IConstruct

from tradeinfra.config import references
from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.config.naming import ResourceKind, cdk_name, stack_name
from tradeinfra.config.references import SSM_PARAMETER_TYPE, Published
from tradeinfra.config.tags import MANAGED_BY_CDK, mandatory_tags


class TradingStack(cdk.Stack):
    """A stack of one environment: `<env>-trading-<component>` in the
    environment's own account and region, with the mandatory tags on every
    taggable resource, the environment's permission boundary on every IAM
    role, and termination protection where config asks. Outputs go through
    `publish`, which also writes them to SSM Parameter Store under
    /trading/<env>/<component>/; another stack of the environment gets them
    with `read`, never through a CloudFormation export.
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

    def publish(self, published: Published, value: str) -> ssm.StringParameter:
        """A stack output that is also the SSM parameter `published` names."""
        if published.component != self.component:
            raise ValueError(f"{self.stack_name} cannot publish {published.component}'s {published.name}")
        construct_id = _construct_id(published.name)
        cdk.CfnOutput(self, construct_id, value=value, description=published.description)
        return ssm.StringParameter(
            self,
            f"{construct_id}Parameter",
            parameter_name=published.parameter(self.environment_name),
            string_value=value,
            description=published.description,
        )

    def read(self, published: Published) -> str:
        """A value another stack of the environment publishes, as a template
        parameter CloudFormation resolves from Parameter Store whenever it
        deploys this stack. The producer is deployed first (and destroyed
        last): the dependency is declared here, with the parameter as reason."""
        name = published.parameter(self.environment_name)
        construct_id = f"{_construct_id(published.component)}{_construct_id(published.name)}"
        existing = self.node.try_find_child(construct_id)
        if isinstance(existing, cdk.CfnParameter):
            return existing.value_as_string
        stage = cdk.Stage.of(self)
        producer = stage.node.try_find_child(published.component) if stage is not None else None
        if not isinstance(producer, TradingStack):
            raise ValueError(f"{self.stack_name} reads {name}, but its environment has no {published.component} stack")
        self.add_stack_dependency(producer, f"reads {name}")
        parameter = cdk.CfnParameter(
            self, construct_id, type=SSM_PARAMETER_TYPE, default=name, description=f"{published.description} ({name})"
        )
        return parameter.value_as_string

    def read_list(self, published: Published, length: int) -> list[str]:
        """A comma-separated value another stack publishes, as `length` items."""
        return cdk.Fn.split(",", self.read(published), length)

    def environment_vpc(self, *, isolated: bool) -> ec2.IVpc:
        """The environment's VPC as the network stack publishes it: its
        private subnets and, when `isolated`, its isolated ones."""
        zones = len(self.availability_zones)
        vpc = ec2.Vpc.from_vpc_attributes(
            self,
            "Vpc",
            vpc_id=self.read(references.VPC_ID),
            availability_zones=self.availability_zones,
            private_subnet_ids=self.read_list(references.PRIVATE_SUBNET_IDS, zones),
            isolated_subnet_ids=self.read_list(references.ISOLATED_SUBNET_IDS, zones) if isolated else None,
        )
        cdk.Annotations.of(vpc).acknowledge_warning(
            "@aws-cdk/aws-ec2:noSubnetRouteTableId",
            "Routes belong to the network stack; a consumer places functions in the subnets and never reads their route tables",
        )
        return vpc

    def retire_exports(self, *values: str) -> None:
        """Keep the CloudFormation exports these values had when other stacks
        imported them, before every reference went through Parameter Store.
        A consumer deployed by an earlier release still imports them, and
        CloudFormation refuses to delete an export in use; a release made
        after every environment runs this one removes them (ADR 0013)."""
        for value in values:
            self.export_value(value)


def _construct_id(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[-_]", name))


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


def state_role_arn(scope: Construct, state_account: str, role_name: str) -> str:
    """A web-tier state role (access or reader, by its name), in the account
    that holds the Terraform state (the tooling account; with no pipeline,
    the environment's)."""
    return f"arn:{cdk.Stack.of(scope).partition}:iam::{state_account}:role/{role_name}"
