"""What CDK Pipelines generates in the pipeline stack, and how this project
holds it to account: grants on "*" narrowed to the resources this stack
knows, and each remaining finding acknowledged on the resource it concerns,
with why it is acceptable there (never on the stack: a grant added later is
checked, not covered)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import pipelines

from tradeinfra.cdk.compliance import acknowledge, arn_of
from tradeinfra.cdk.constructs.pipeline_boundary import CDK_BOOTSTRAP_QUALIFIER, CDK_BOOTSTRAP_STACK

ARTIFACT_BUCKET_ACKS = {
    **{
        f"{pack}::{pack}-{rule}": "Pipeline artifacts are transient build outputs, KMS-encrypted with the "
        "pipeline's key, rebuilt from the repository on every run"
        for pack in ("NIST.800.53.R5", "PCI.DSS.321")
        for rule in ("S3BucketLoggingEnabled", "S3BucketReplicationEnabled", "S3BucketVersioningEnabled")
    },
    "AwsSolutions::AwsSolutions-S1": "Pipeline artifacts are transient build outputs, KMS-encrypted with the "
    "pipeline's key, read and written only by the pipeline's own roles (the pipeline boundary); each run's "
    "inputs and outputs are in CodePipeline's execution history",
}


def narrow_generated_grants(stack: cdk.Stack, pipelines_construct: pipelines.CodePipeline) -> None:
    """Three generated grants name "*" where this stack knows the resources:
    the pipeline role's KMS grant (the cross-region replication keys, in the
    tooling account in the support regions), the asset role's CodeBuild
    grant (the asset projects of this stack), and self-mutation's
    DescribeStacks and ListBucket (what `cdk deploy` of this stack reads:
    the pipeline's own stacks and the bootstrap stack, and the bootstrap
    asset buckets, in the tooling account)."""
    pipeline = pipelines_construct.pipeline
    support_keys = [
        f"arn:{stack.partition}:kms:{region}:{stack.account}:key/*" for region in pipeline.cross_region_support
    ]
    asset_projects = [
        project.attr_arn
        for project in stack.node.find_all()
        if isinstance(project, codebuild.CfnProject) and "/Assets/" in project.node.path
    ]
    policies = _generated_policies(stack)
    if support_keys:
        _narrow(
            stack, policies["Pipeline/Role"], lambda actions: all(a.startswith("kms:") for a in actions), support_keys
        )
    _narrow(
        stack,
        policies["Assets/FileRole"],
        lambda actions: all(a.startswith("codebuild:") for a in actions),
        asset_projects,
    )
    _narrow_each(stack, policies["UpdatePipeline/SelfMutation/Role"], self_mutation_reads(stack))


def self_mutation_reads(stack: cdk.Stack) -> dict[str, list[str]]:
    """What self-mutation's `cdk deploy` of the pipeline stack reads, by action."""
    stacks = (CDK_BOOTSTRAP_STACK, stack.stack_name, f"{stack.stack_name}-support-*")
    return {
        "cloudformation:DescribeStacks": [
            f"arn:{stack.partition}:cloudformation:*:{stack.account}:stack/{name}/*" for name in stacks
        ],
        "s3:ListBucket": [f"arn:{stack.partition}:s3:::cdk-{CDK_BOOTSTRAP_QUALIFIER}-assets-{stack.account}-*"],
    }


def _narrow_each(stack: cdk.Stack, policy: iam.Policy, by_action: dict[str, list[str]]) -> None:
    """Split a statement on "*" whose actions are all keys of `by_action`
    into one statement per action, naming that action's resources."""
    cfn = policy.node.default_child
    assert isinstance(cfn, iam.CfnPolicy)
    document = stack.resolve(cfn.policy_document)
    statements = []
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement.get("Resource") == "*" and set(actions) <= set(by_action):
            statements += [{**statement, "Action": action, "Resource": by_action[action]} for action in actions]
        else:
            statements.append(statement)
    document["Statement"] = statements
    cfn.policy_document = document


def _generated_policies(stack: cdk.Stack) -> dict[str, iam.Policy]:
    """Generated role policies by role path below `<stack>/Pipeline/`, e.g. `Pipeline/Role`."""
    prefix = f"{stack.node.path}/Pipeline/"
    return {
        policy.node.path.removeprefix(prefix).removesuffix("/DefaultPolicy"): policy
        for policy in stack.node.find_all()
        if isinstance(policy, iam.Policy) and policy.node.path.startswith(prefix)
    }


def _narrow(stack: cdk.Stack, policy: iam.Policy, matches: Callable[[list[str]], bool], resources: list[Any]) -> None:
    """Replace "*" with `resources` in the statements whose actions match.
    The rendered document is written back to the CloudFormation resource
    (not an override), so cdk-nag checks what is deployed."""
    cfn = policy.node.default_child
    assert isinstance(cfn, iam.CfnPolicy)
    document = stack.resolve(cfn.policy_document)
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        named = statement.get("Resource")
        named = named if isinstance(named, list) else [named]
        if "*" in named and matches(actions):
            kept = [resource for resource in named if resource != "*"]
            statement["Resource"] = [*kept, *resources] if len(kept) + len(resources) > 1 else resources[0]
    cfn.policy_document = document


def acknowledge_generated_findings(stack: cdk.Stack, pipelines_construct: pipelines.CodePipeline) -> None:
    """CDK Pipelines generates the roles, projects and buckets below; each
    finding on what it generates is acknowledged on the resource it
    concerns, with why it is acceptable there (a grant added to the stack
    later is checked, not covered)."""
    pipeline = pipelines_construct.pipeline
    artifacts = f"{arn_of(pipeline.artifact_bucket)}/*"
    policies = {policy.node.path: policy for policy in stack.node.find_all() if isinstance(policy, iam.Policy)}
    for policy in policies.values():
        acknowledge(
            policy,
            {
                **{
                    f"AwsSolutions::AwsSolutions-IAM5[Action::{action}]": "CDK Pipelines grants on the pipeline's own artifact bucket and its KMS key only"
                    for action in (
                        "kms:GenerateDataKey*",
                        "kms:ReEncrypt*",
                        "s3:Abort*",
                        "s3:DeleteObject*",
                        "s3:GetBucket*",
                        "s3:GetObject*",
                        "s3:List*",
                    )
                },
                f"AwsSolutions::AwsSolutions-IAM5[Resource::{artifacts}]": "Objects of the pipeline's own artifact bucket",
                **{
                    f"AwsSolutions::AwsSolutions-IAM5[Resource::{arn}]": "CodeBuild's own log group and report groups of this project"
                    for project in stack.node.find_all()
                    if isinstance(project, codebuild.CfnProject)
                    for arn in _codebuild_owned_arns(stack, f"<{stack.resolve(stack.get_logical_id(project))}>")
                },
                "NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy": "CDK Pipelines attaches each grant to the one role of its step",
                "PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy": "CDK Pipelines attaches each grant to the one role of its step",
            },
        )

    def generated(path: str) -> iam.Policy:
        return policies[f"{stack.node.path}/Pipeline/{path}/DefaultPolicy"]

    bounded = " (the pipeline boundary bounds it to the tooling account)"
    acknowledge(
        generated("Pipeline/Role"),
        {
            **{
                f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:{stack.partition}:kms:{region}:{stack.account}:key/*]": "The replication bucket's key lives in the support stack of "
                f"{region}: its ID is not known here, its account and region are"
                for region in pipeline.cross_region_support
            },
            **{
                f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:{stack.partition}:s3:::{stack.resolve(support.replication_bucket.bucket_name)}/*]": f"Objects of the pipeline's replication bucket in {region}"
                for region, support in pipeline.cross_region_support.items()
            },
        },
    )
    acknowledge(
        generated("Assets/FileRole"),
        {
            **{
                f"AwsSolutions::AwsSolutions-IAM5[Resource::{arn}]": "One role publishes every asset, each with its own CodeBuild project: their log groups and report groups"
                for arn in _codebuild_owned_arns(stack, "*")
            },
        },
    )
    reads = self_mutation_reads(stack)
    acknowledge(
        generated("UpdatePipeline/SelfMutation/Role"),
        {
            **{
                f"AwsSolutions::AwsSolutions-IAM5[Resource::{arn}]": "Self-mutation reads the pipeline's own stacks "
                "and the bootstrap stack in any region of the tooling account: a stack's ID is not known before it "
                "exists"
                for arn in reads["cloudformation:DescribeStacks"]
            },
            **{
                f"AwsSolutions::AwsSolutions-IAM5[Resource::{arn}]": "Self-mutation lists the tooling account's "
                "bootstrap asset buckets, one per region" + bounded
                for arn in reads["s3:ListBucket"]
            },
            f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:*:iam::{stack.account}:role/*]": "Self-mutation may assume only roles tagged aws-cdk:bootstrap-role (condition on the statement): the CDK bootstrap roles",
        },
    )
    for project in stack.node.find_all():
        if isinstance(project, codebuild.CfnProject):
            acknowledge(
                project,
                {
                    "PCI.DSS.321::PCI.DSS.321-CodeBuildProjectSourceRepoUrl": "Projects take their source from the pipeline artifact (CODEPIPELINE): no repository URL or credentials",
                },
            )
    for bucket in [
        pipeline.artifact_bucket,
        *(s.replication_bucket for s in pipeline.cross_region_support.values()),
    ]:
        acknowledge(bucket, ARTIFACT_BUCKET_ACKS)


def _codebuild_owned_arns(stack: cdk.Stack, project: str) -> list[str]:
    """The log group and report groups CodeBuild grants `project` (a
    `<LogicalId>` reference, or * for any project), as cdk-nag names them."""
    where = f"{stack.region}:{stack.account}"
    if project == "*":
        return [
            f"arn:{stack.partition}:logs:{where}:log-group:/aws/codebuild/*",
            f"arn:{stack.partition}:codebuild:{where}:report-group/*",
        ]
    return [
        f"arn:{stack.partition}:logs:{where}:log-group:/aws/codebuild/{project}:*",
        f"arn:{stack.partition}:codebuild:{where}:report-group/{project}-*",
    ]
