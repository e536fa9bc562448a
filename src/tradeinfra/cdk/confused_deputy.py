"""Every AWS service a policy admits acts for this account only.

A service principal in a resource policy (key, topic, queue, bucket) or in
a role's trust policy can act on behalf of anyone's resources unless the
statement names the source: `aws:SourceAccount` or `aws:SourceArn` (AWS's
"confused deputy" guidance). CDK and CDK Pipelines write many of these
statements themselves (a topic's grant to EventBridge, CodeBuild's roles),
so the binding is added to every statement of the app by one aspect, where
the statement does not already name its source.

Execution roles are the exception: a function's or an instance's role is
assumed by the service only for a resource that a principal of this account
attached it to, which `iam:PassRole` guards; Lambda and EC2 do not send a
source for it. CloudWatch Logs' grants on a key are bound by the
encryption-context condition AWS documents for it (the log group's ARN in
this account).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import IConstruct

# Services that assume a role only as the execution identity of a resource
# that this account created and passed the role to.
EXECUTION_ROLE_SERVICES = frozenset(
    {"lambda.amazonaws.com", "ec2.amazonaws.com", "monitoring.rds.amazonaws.com", "edgelambda.amazonaws.com"}
)
SOURCE_KEYS = frozenset({"aws:sourcearn", "aws:sourceaccount"})
# The condition AWS documents for CloudWatch Logs on a key: the log group's ARN.
EQUIVALENT_BINDINGS = frozenset({"kms:encryptioncontext:aws:logs:arn"})


def services_of(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if not isinstance(principal, dict) or "Service" not in principal:
        return []
    services = principal["Service"]
    return [services] if isinstance(services, str) else [s for s in services if isinstance(s, str)]


def is_bound(statement: dict[str, Any]) -> bool:
    """True when the statement names no service, names only execution-role
    services, is a Deny, or carries a source condition."""
    services = services_of(statement)
    if not services or statement.get("Effect") == "Deny" or set(services) <= EXECUTION_ROLE_SERVICES:
        return True
    keys = {key.lower() for operator in statement.get("Condition", {}).values() for key in operator}
    return bool(keys & (SOURCE_KEYS | EQUIVALENT_BINDINGS))


def unbound_statements(document: Any) -> list[int]:
    """Indexes of the statements of a (resolved) policy document that admit a
    service without naming the source."""
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    return [index for index, statement in enumerate(statements) if not is_bound(statement)]


def _policy_of(node: cdk.CfnResource) -> tuple[str, Any] | None:
    if isinstance(node, iam.CfnRole):
        return "AssumeRolePolicyDocument", node.assume_role_policy_document
    if isinstance(node, kms.CfnKey):
        return "KeyPolicy", node.key_policy
    if isinstance(node, sns.CfnTopicPolicy | sqs.CfnQueuePolicy | s3.CfnBucketPolicy):
        return "PolicyDocument", node.policy_document
    return None


@jsii.implements(cdk.IAspect)
class BindServicePrincipals:
    """Adds `aws:SourceAccount` (the resource's own account) to every
    statement that admits a service without naming its source."""

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, cdk.CfnResource):
            return
        policy = _policy_of(node)
        if policy is None:
            return
        stack = cdk.Stack.of(node)
        prop, document = policy
        for index in unbound_statements(stack.resolve(document)):
            node.add_property_override(
                f"{prop}.Statement.{index}.Condition.StringEquals.aws:SourceAccount", stack.account
            )
