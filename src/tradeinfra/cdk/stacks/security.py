"""The environment's guard rails: the permission boundary every role carries,
and the roles the delivery pipeline acts as in the environment."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from tradeinfra.cdk.base import TradingStack, pipeline_step_principal, state_role_arn
from tradeinfra.cdk.compliance import acknowledge
from tradeinfra.cdk.constructs.read_access import (
    GLOBAL_READ_CEILING,
    READ_CEILING,
    read_acknowledgments,
    read_statements,
)
from tradeinfra.cdk.constructs.web_tier_deployer import WebTierDeployer
from tradeinfra.cdk.constructs.web_tier_plan_access import web_tier_plan_acknowledgments, web_tier_plan_statements
from tradeinfra.config import references
from tradeinfra.config.models import DeliveryConfig, EnvironmentConfig, SecurityConfig
from tradeinfra.config.naming import (
    ResourceKind,
    cdk_name,
    state_reader_role_name,
    validation_step_role_name,
    validator_role_name,
)

# The ceiling for every role of the environment: the services the platform
# uses, in the environment's region only. Roles get their real (narrow)
# permissions from grants; the boundary stops any of them from reaching
# beyond these services, IAM included, whatever a future grant says.
BOUNDARY_ACTIONS = [
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    # AWS Backup's daily backup of the orders table (prod), as its service role
    "dynamodb:CreateBackup",
    "dynamodb:DescribeBackup",
    "dynamodb:DeleteBackup",
    "dynamodb:StartAwsBackupJob",
    "dynamodb:ListTagsOfResource",
    "backup:DescribeBackupVault",
    "backup:CopyIntoBackupVault",
    "backup:TagResource",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:GetBucketLocation",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:DescribeKey",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "cloudwatch:PutMetricData",
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    "lambda:InvokeFunction",
    "codedeploy:PutLifecycleEventHookExecutionStatus",
    "execute-api:Invoke",
    *READ_CEILING,
]


class SecurityStack(TradingStack):
    def __init__(
        self,
        scope: Construct,
        *,
        environment: EnvironmentConfig,
        security: SecurityConfig,
        delivery: DeliveryConfig | None,
    ) -> None:
        super().__init__(
            scope,
            "security",
            environment=environment,
            description="Permission boundary, validator and web-tier deployer roles",
        )
        state_account = delivery.account if delivery else environment.account
        state_reader = state_role_arn(self, state_account, state_reader_role_name(environment.name))
        self.boundary_name = cdk_name(environment.name, security.permission_boundary_name, ResourceKind.IAM_POLICY)
        self.boundary = iam.ManagedPolicy(
            self,
            "PermissionsBoundaryPolicy",
            managed_policy_name=self.boundary_name,
            description=f"Ceiling of every IAM role in {environment.name}",
            statements=[
                iam.PolicyStatement(
                    sid="PlatformServicesInHomeRegion",
                    actions=BOUNDARY_ACTIONS,
                    resources=["*"],
                    conditions={"StringEquals": {"aws:RequestedRegion": environment.region}},
                ),
                iam.PolicyStatement(sid="GlobalConfigurationReads", actions=GLOBAL_READ_CEILING, resources=["*"]),
                _read_web_tier_state(state_reader),
            ],
        )
        acknowledge(
            self.boundary,
            {
                "AwsSolutions::AwsSolutions-IAM5[Resource::*]": "A permission boundary is a ceiling, not a grant: "
                "roles get resource-scoped permissions from their own policies",
                **{
                    f"AwsSolutions::AwsSolutions-IAM5[Action::{action}]": "A ceiling, not a grant: configuration "
                    "reads compacted with wildcards to fit IAM's policy size limit; roles get exact action lists"
                    for action in READ_CEILING
                    if action.endswith("*")
                },
            },
        )
        self.publish(references.PERMISSIONS_BOUNDARY_ARN, self.boundary.managed_policy_arn)
        if delivery is not None:
            self._validator_role(environment, delivery, state_reader)
            WebTierDeployer(self, "WebTierDeployer", environment=environment, delivery=delivery)

    def _validator_role(self, environment: EnvironmentConfig, delivery: DeliveryConfig, state_reader: str) -> None:
        """What the pipeline's post-deployment validation and its plans may
        do here: read resource configuration (never data), and the web tier's
        Terraform state through the state reader role. The api stack grants
        it the smoke-test order on its routes. Only the pipeline's validation
        role for this environment may assume it."""
        env = environment.name
        role = iam.Role(
            self,
            "PostDeployValidatorRole",
            role_name=validator_role_name(env),
            description=f"Post-deployment validation of {env} by the delivery pipeline (read-only)",
            assumed_by=pipeline_step_principal(
                self, delivery.account, validation_step_role_name(delivery.pipeline_name, env)
            ),
            max_session_duration=cdk.Duration.hours(1),
        )
        for statement in read_statements(self, env, read_function_code=False):
            role.add_to_policy(statement)
        for statement in web_tier_plan_statements(self.partition, environment):
            role.add_to_policy(statement)
        role.add_to_policy(_read_web_tier_state(state_reader))
        acknowledge(
            role,
            {
                "AwsSolutions::AwsSolutions-IAM5[Resource::*]": "Validation reads the configuration of every resource of the environment; the actions are configuration reads only (read_access.py)",
                **read_acknowledgments(self, env),
                **web_tier_plan_acknowledgments(self.partition, environment),
                "NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy": "The validator's grants are a policy attached to its role only",
                "PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy": "The validator's grants are a policy attached to its role only",
            },
        )


def _read_web_tier_state(state_reader: str) -> iam.PolicyStatement:
    """Plans read the web tier's Terraform state through the state reader
    role, in the account that holds the state."""
    return iam.PolicyStatement(sid="ReadWebTierState", actions=["sts:AssumeRole"], resources=[state_reader])
