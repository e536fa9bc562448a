"""The CDK side of the inventory: roles, policies and resource policies from
the synthesized CloudFormation templates, with every intrinsic resolved."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tradeinfra.access.intrinsics import ARN_FORMAT, PARTITION, Resolver, StackScope, UnresolvedReferenceError
from tradeinfra.access.inventory import Role, Scope, as_document, aws_managed_policy
from tradeinfra.access.simulator import NamedPolicy
from tradeinfra.synthesized.cloud_assembly import SynthesizedStack

CDK_PATH = "aws:cdk:path"


def scope_from_stacks(name: str, account: str, region: str, stacks: Iterable[SynthesizedStack]) -> Scope:
    """Everything the gate needs from the stacks of one environment (or of
    the tooling account), with construct paths relative to the scope."""
    scopes = [
        StackScope(
            stack.stack_name,
            stack.account,
            stack.region,
            stack.template.get("Resources", {}),
            stack.template.get("Outputs", {}),
            stack.template.get("Parameters", {}),
        )
        for stack in stacks
    ]
    scope = Scope(name, account, region)
    try:
        resolver = Resolver(scopes)
    except UnresolvedReferenceError as exc:
        scope.problems.append(str(exc))
        return scope
    attachments: list[tuple[StackScope, str, dict[str, Any]]] = []
    for stack in scopes:
        for logical_id, resource in stack.resources.items():
            path = _path(name, stack, logical_id, resource)
            try:
                _index(resolver, stack, logical_id, resource, path, scope, attachments)
            except (UnresolvedReferenceError, ValueError, KeyError, TypeError) as exc:
                scope.problems.append(f"{path}: {exc}")
    for stack in scopes:
        for logical_id, resource in stack.resources.items():
            if resource.get("Type") == "AWS::IAM::Role":
                path = _path(name, stack, logical_id, resource)
                try:
                    scope.roles[path] = _role(resolver, stack, logical_id, resource, path, scope, attachments)
                except (UnresolvedReferenceError, ValueError, KeyError, TypeError) as exc:
                    scope.problems.append(f"{path}: {exc}")
    return scope


def _path(scope_name: str, stack: StackScope, logical_id: str, resource: dict[str, Any]) -> str:
    path = str(resource.get("Metadata", {}).get(CDK_PATH, f"{stack.name}/{logical_id}"))
    return path.removeprefix(f"{scope_name}/")


def _index(
    resolver: Resolver,
    stack: StackScope,
    logical_id: str,
    resource: dict[str, Any],
    path: str,
    scope: Scope,
    attachments: list[tuple[StackScope, str, dict[str, Any]]],
) -> None:
    kind = resource.get("Type", "")
    properties = resource.get("Properties", {})
    where = f"{stack.name}/{logical_id}"
    if kind in ARN_FORMAT:
        scope.arns[path] = resolver.get_att(stack, logical_id, "Arn", where)
    if kind == "AWS::ApiGateway::RestApi":
        scope.arns[path] = resolver.ref(stack, logical_id, where)  # the API id; routes are built on it
    if kind == "AWS::KMS::Key":
        scope.policies[scope.arns[path]] = NamedPolicy(
            f"{where} KeyPolicy", as_document(resolver.resolve(stack, properties["KeyPolicy"], where))
        )
    elif kind == "AWS::IAM::Role":
        scope.policies[scope.arns[path]] = NamedPolicy(
            f"{where} AssumeRolePolicyDocument",
            as_document(resolver.resolve(stack, properties["AssumeRolePolicyDocument"], where)),
        )
    elif kind == "AWS::S3::BucketPolicy":
        bucket = resolver.resolve(stack, properties["Bucket"], where)
        scope.policies[f"arn:{PARTITION}:s3:::{bucket}"] = NamedPolicy(
            where, as_document(resolver.resolve(stack, properties["PolicyDocument"], where))
        )
    elif kind == "AWS::SQS::QueuePolicy":
        document = NamedPolicy(where, as_document(resolver.resolve(stack, properties["PolicyDocument"], where)))
        for url in resolver.resolve(stack, properties["Queues"], where):
            region, account, queue = _queue_url_parts(str(url))
            scope.policies[f"arn:{PARTITION}:sqs:{region}:{account}:{queue}"] = document
    elif kind == "AWS::SNS::TopicPolicy":
        document = NamedPolicy(where, as_document(resolver.resolve(stack, properties["PolicyDocument"], where)))
        for topic in resolver.resolve(stack, properties["Topics"], where):
            scope.policies[str(topic)] = document
    elif kind == "AWS::IAM::ManagedPolicy":
        document = NamedPolicy(where, as_document(resolver.resolve(stack, properties["PolicyDocument"], where)))
        scope.managed_policies[scope.arns[path]] = document
        attachments.append((stack, where, {"Roles": properties.get("Roles", []), "Document": document}))
    elif kind == "AWS::IAM::Policy":
        document = NamedPolicy(where, as_document(resolver.resolve(stack, properties["PolicyDocument"], where)))
        attachments.append((stack, where, {"Roles": properties.get("Roles", []), "Document": document}))


def _role(
    resolver: Resolver,
    stack: StackScope,
    logical_id: str,
    resource: dict[str, Any],
    path: str,
    scope: Scope,
    attachments: list[tuple[StackScope, str, dict[str, Any]]],
) -> Role:
    properties = resource.get("Properties", {})
    where = f"{stack.name}/{logical_id}"
    arn = scope.arns[path]
    name = resolver.physical_name(stack, logical_id, where)
    role = Role(path=path, arn=arn, account=stack.account, trust=scope.policies.get(arn))
    for index, inline in enumerate(properties.get("Policies", [])):
        role.identity_policies.append(
            NamedPolicy(
                f"{where} Policies[{index}] {inline.get('PolicyName', '')}".strip(),
                as_document(resolver.resolve(stack, inline["PolicyDocument"], where)),
            )
        )
    for managed_arn in resolver.resolve(stack, properties.get("ManagedPolicyArns", []), where):
        policy = aws_managed_policy(managed_arn) or scope.managed_policies.get(managed_arn)
        if policy is None:
            raise UnresolvedReferenceError(where, f"managed policy {managed_arn}")
        role.identity_policies.append(policy)
    for owner, policy_where, attachment in attachments:
        roles = resolver.resolve(owner, attachment["Roles"], policy_where)
        if name in roles:
            role.identity_policies.append(attachment["Document"])
    boundary = properties.get("PermissionsBoundary")
    if boundary is not None:
        role.boundary_arn = str(resolver.resolve(stack, boundary, where))
        role.boundary = scope.managed_policies.get(role.boundary_arn)
    return role


def _queue_url_parts(url: str) -> tuple[str, str, str]:
    host, account, queue = url.removeprefix("https://").split("/")[:3]
    return host.split(".")[1], account, queue
