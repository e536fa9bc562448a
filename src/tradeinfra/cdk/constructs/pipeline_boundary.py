"""The permission boundary of every role of the delivery pipeline.

CDK Pipelines writes the pipeline's grants itself, and some of them name no
resource (the pipeline role's KMS grant for the cross-region replication
key, the asset role's CodeBuild grant). The boundary is the ceiling over all
of them, whatever a future CDK version generates: the pipeline's own
projects (by tag), buckets and keys in the tooling account, its own log
groups, and the roles a pipeline assumes: its action roles, the CDK
bootstrap roles and the step roles of the environments.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from tradeinfra.cdk.compliance import acknowledge
from tradeinfra.config.models import DeliveryConfig, EnvironmentConfig
from tradeinfra.config.naming import ResourceKind, check_name
from tradeinfra.config.tags import MANAGED_BY_CDK

CDK_BOOTSTRAP_QUALIFIER = "hnb659fds"
CDK_BOOTSTRAP_STACK = "CDKToolkit"
ARTIFACT_ACTIONS = ["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:PutObject*", "s3:DeleteObject*", "s3:Abort*"]
KEY_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]


class PipelineBoundary(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        delivery: DeliveryConfig,
        environments: list[EnvironmentConfig],
    ) -> None:
        super().__init__(scope, construct_id)
        account, region, name = delivery.account, delivery.region, delivery.pipeline_name
        partition = cdk.Stack.of(self).partition
        env_accounts = sorted({env.account for env in environments})
        own_roles = f"arn:{partition}:iam::{account}:role/{name}-*"
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=check_name(f"{name}-boundary", ResourceKind.IAM_POLICY),
            description=f"Ceiling of every role of the {name} pipeline",
            statements=[
                iam.PolicyStatement(
                    sid="ItsOwnBuildProjects",
                    actions=["codebuild:StartBuild", "codebuild:StopBuild", "codebuild:BatchGetBuilds"],
                    resources=[f"arn:{partition}:codebuild:{region}:{account}:project/*"],
                    conditions={"StringEquals": {"aws:ResourceTag/ManagedBy": MANAGED_BY_CDK}},
                ),
                iam.PolicyStatement(
                    sid="BuildReportsAndLogs",
                    actions=[
                        "codebuild:CreateReportGroup",
                        "codebuild:CreateReport",
                        "codebuild:UpdateReport",
                        "codebuild:BatchPutTestCases",
                        "codebuild:BatchPutCodeCoverages",
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                    ],
                    resources=[
                        f"arn:{partition}:codebuild:{region}:{account}:report-group/*",
                        f"arn:{partition}:logs:{region}:{account}:log-group:/aws/codebuild/*",
                    ],
                ),
                iam.PolicyStatement(
                    sid="ItsArtifactsInTheToolingAccount",
                    actions=ARTIFACT_ACTIONS,
                    resources=[f"arn:{partition}:s3:::{name}-*", f"arn:{partition}:s3:::{name}-*/*"],
                ),
                iam.PolicyStatement(
                    sid="ArtifactKeysInTheToolingAccount",
                    actions=KEY_ACTIONS,
                    resources=[f"arn:{partition}:kms:*:{account}:key/*"],
                ),
                iam.PolicyStatement(
                    sid="SourceConnection",
                    actions=["codestar-connections:UseConnection", "codeconnections:UseConnection"],
                    resources=[delivery.source.connection_arn],
                ),
                iam.PolicyStatement(
                    # Its own stacks (the support stacks live in other regions)
                    # and the bootstrap stack, which `cdk deploy` checks.
                    sid="SelfMutationReadsItsStacks",
                    actions=["cloudformation:DescribeStacks"],
                    resources=[
                        f"arn:{partition}:cloudformation:*:{account}:stack/{name}*/*",
                        f"arn:{partition}:cloudformation:*:{account}:stack/{CDK_BOOTSTRAP_STACK}/*",
                    ],
                ),
                iam.PolicyStatement(
                    sid="SelfMutationListsBootstrapAssets",
                    actions=["s3:ListBucket"],
                    resources=[f"arn:{partition}:s3:::cdk-{CDK_BOOTSTRAP_QUALIFIER}-assets-{account}-*"],
                ),
                iam.PolicyStatement(
                    sid="ActionRolesAndTheEnvironmentsDeployRoles",
                    actions=["sts:AssumeRole"],
                    resources=[
                        own_roles,
                        *(
                            f"arn:{partition}:iam::{acct}:role/cdk-{CDK_BOOTSTRAP_QUALIFIER}-*"
                            for acct in [account, *env_accounts]
                        ),
                        *(f"arn:{partition}:iam::{env.account}:role/{env.name}-trading-*" for env in environments),
                    ],
                ),
            ],
        )
        acknowledge(
            self.policy,
            {
                **{
                    f"AwsSolutions::AwsSolutions-IAM5[Action::{action}]": "A ceiling, not a grant: the pipeline's "
                    "own artifact buckets and keys in the tooling account"
                    for action in [*ARTIFACT_ACTIONS, *KEY_ACTIONS]
                    if action.endswith("*")
                },
                **{
                    f"AwsSolutions::AwsSolutions-IAM5[Resource::{resource}]": "A ceiling, not a grant: the pipeline's "
                    "own projects (tagged), reports, logs, buckets, keys, stack and roles, and the CDK bootstrap "
                    "and step roles of its environments"
                    for resource in self._wildcards(partition, account, region, name, environments, env_accounts)
                },
            },
        )

    @staticmethod
    def _wildcards(
        partition: str,
        account: str,
        region: str,
        name: str,
        environments: list[EnvironmentConfig],
        env_accounts: list[str],
    ) -> list[str]:
        return [
            f"arn:{partition}:codebuild:{region}:{account}:project/*",
            f"arn:{partition}:codebuild:{region}:{account}:report-group/*",
            f"arn:{partition}:logs:{region}:{account}:log-group:/aws/codebuild/*",
            f"arn:{partition}:s3:::{name}-*",
            f"arn:{partition}:s3:::{name}-*/*",
            f"arn:{partition}:kms:*:{account}:key/*",
            f"arn:{partition}:cloudformation:*:{account}:stack/{name}*/*",
            f"arn:{partition}:cloudformation:*:{account}:stack/{CDK_BOOTSTRAP_STACK}/*",
            f"arn:{partition}:s3:::cdk-{CDK_BOOTSTRAP_QUALIFIER}-assets-{account}-*",
            f"arn:{partition}:iam::{account}:role/{name}-*",
            *(f"arn:{partition}:iam::{acct}:role/cdk-{CDK_BOOTSTRAP_QUALIFIER}-*" for acct in [account, *env_accounts]),
            *(f"arn:{partition}:iam::{env.account}:role/{env.name}-trading-*" for env in environments),
        ]
