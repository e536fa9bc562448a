"""Resolve CloudFormation intrinsics to concrete values, per environment.

A synthesized template says `{"Fn::GetAtt": ["OrdersTable", "Arn"]}`, or
`{"Ref": "DataTableArn"}` for a parameter CloudFormation resolves from
Parameter Store (`/trading/dev/data/table-arn`, written by another stack of
the environment); the access gate needs the ARN AWS will evaluate, so a
parameter resolves to the value its producer writes there. Physical names
come from the template (`TableName`, `RoleName`...); where CloudFormation generates one (a key id, an API id), a
stable stand-in unique to the stack and resource is used, so two resources
never share an ARN. Anything the resolver does not know is an
`UnresolvedReferenceError`: a finding, never an allow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tradeinfra.config.references import from_parameter_store

PARTITION = "aws"


class UnresolvedReferenceError(Exception):
    """A reference the resolver cannot turn into a concrete value."""

    def __init__(self, where: str, reference: Any) -> None:
        super().__init__(f"{where}: cannot resolve {reference!r}")
        self.where = where
        self.reference = reference


# Resource type -> the property that holds its physical name.
NAME_PROPERTY = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SSM::Parameter": "Name",
    "AWS::ApiGateway::RestApi": "Name",
    "AWS::CodeDeploy::Application": "ApplicationName",
    "AWS::CodeDeploy::DeploymentGroup": "DeploymentGroupName",
    "AWS::Events::Rule": "Name",
    "AWS::CodeBuild::Project": "Name",
    "AWS::CodePipeline::Pipeline": "Name",
}

# Resource type -> ARN format ({p} partition, {r} region, {a} account, {n} name or id).
ARN_FORMAT = {
    "AWS::DynamoDB::Table": "arn:{p}:dynamodb:{r}:{a}:table/{n}",
    "AWS::SQS::Queue": "arn:{p}:sqs:{r}:{a}:{n}",
    "AWS::S3::Bucket": "arn:{p}:s3:::{n}",
    "AWS::Lambda::Function": "arn:{p}:lambda:{r}:{a}:function:{n}",
    "AWS::IAM::Role": "arn:{p}:iam::{a}:role/{n}",
    "AWS::IAM::ManagedPolicy": "arn:{p}:iam::{a}:policy/{n}",
    "AWS::KMS::Key": "arn:{p}:kms:{r}:{a}:key/{n}",
    "AWS::SNS::Topic": "arn:{p}:sns:{r}:{a}:{n}",
    "AWS::Logs::LogGroup": "arn:{p}:logs:{r}:{a}:log-group:{n}:*",
    "AWS::Events::Rule": "arn:{p}:events:{r}:{a}:rule/{n}",
    "AWS::CodeBuild::Project": "arn:{p}:codebuild:{r}:{a}:project/{n}",
    "AWS::CodePipeline::Pipeline": "arn:{p}:codepipeline:{r}:{a}:{n}",
    "AWS::CodeStarNotifications::NotificationRule": "arn:{p}:codestar-notifications:{r}:{a}:notificationrule/{n}",
}

# Resource types whose Ref is the ARN rather than the name.
REF_IS_ARN = {"AWS::IAM::ManagedPolicy", "AWS::SNS::Topic", "AWS::Lambda::Version", "AWS::Lambda::Alias"}

SUB_TOKEN = re.compile(r"\$\{([^}]+)\}")


@dataclass
class StackScope:
    """One synthesized stack, as the resolver sees it."""

    name: str  # the stack name, e.g. dev-trading-data
    account: str
    region: str
    resources: Mapping[str, dict[str, Any]]
    outputs: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    parameters: Mapping[str, dict[str, Any]] = field(default_factory=dict)


class Resolver:
    """Resolves values in the stacks of one environment (or one account's
    top-level stacks); `Fn::ImportValue` finds the export, and an SSM-backed
    parameter the `AWS::SSM::Parameter` that writes it, in any of them."""

    def __init__(self, stacks: list[StackScope]) -> None:
        self.stacks = {stack.name: stack for stack in stacks}
        self._exports: dict[str, tuple[StackScope, Any]] = {}
        self._published: dict[str, tuple[StackScope, Any]] = {}
        for stack in stacks:
            for logical_id, resource in stack.resources.items():
                if resource.get("Type") == "AWS::SSM::Parameter":
                    name = self.physical_name(stack, logical_id, f"{stack.name}/{logical_id}")
                    self._published[name] = (stack, resource.get("Properties", {}).get("Value"))
        for stack in stacks:
            for output in stack.outputs.values():
                export = output.get("Export", {}).get("Name")
                if export is not None:
                    self._exports[str(self.resolve(stack, export, f"{stack.name} Outputs"))] = (stack, output["Value"])

    def resolve(self, stack: StackScope, value: Any, where: str) -> Any:
        """`value` with every intrinsic replaced by its concrete value."""
        if isinstance(value, list):
            return [self.resolve(stack, item, where) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((function, argument),) = value.items()
            handler = _INTRINSICS.get(function)
            if handler is not None:
                return handler(self, stack, argument, where)
            if function.startswith("Fn::") or function == "Ref":
                raise UnresolvedReferenceError(where, value)
        return {key: self.resolve(stack, item, where) for key, item in value.items()}

    # -- references ---------------------------------------------------------
    def ref(self, stack: StackScope, name: str, where: str) -> str:
        pseudo = {
            "AWS::AccountId": stack.account,
            "AWS::Region": stack.region,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack.name,
            "AWS::StackId": f"arn:{PARTITION}:cloudformation:{stack.region}:{stack.account}:stack/{stack.name}/id",
            "AWS::NoValue": None,
        }
        if name in pseudo:
            return pseudo[name]  # type: ignore[return-value]
        if name in stack.parameters:
            return str(self.parameter(stack, name, where))
        resource = stack.resources.get(name)
        if resource is None:
            raise UnresolvedReferenceError(where, {"Ref": name})
        kind = resource.get("Type", "")
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{stack.region}.amazonaws.com/{stack.account}/{self.physical_name(stack, name, where)}"
        if kind in REF_IS_ARN:
            return self.get_att(stack, name, "Arn", where)
        if kind == "AWS::SSM::Parameter":
            return self.physical_name(stack, name, where)
        return self.physical_name(stack, name, where)

    def physical_name(self, stack: StackScope, logical_id: str, where: str) -> str:
        resource = stack.resources[logical_id]
        prop = NAME_PROPERTY.get(resource.get("Type", ""))
        declared = resource.get("Properties", {}).get(prop) if prop else None
        if declared is not None:
            return str(self.resolve(stack, declared, where))
        # Generated by CloudFormation: a stand-in unique to this stack and resource.
        return f"{stack.name}-{logical_id}".lower()

    def get_att(self, stack: StackScope, logical_id: str, attribute: str, where: str) -> str:
        resource = stack.resources.get(logical_id)
        if resource is None:
            raise UnresolvedReferenceError(where, {"Fn::GetAtt": [logical_id, attribute]})
        kind = resource.get("Type", "")
        name = self.physical_name(stack, logical_id, where)
        if attribute in ("Arn", "TopicArn", "PolicyArn") and kind in ARN_FORMAT:
            return ARN_FORMAT[kind].format(p=PARTITION, r=stack.region, a=stack.account, n=name)
        if kind == "AWS::Lambda::Version" and attribute in ("Arn", "Version"):
            function = self.resolve(stack, resource["Properties"]["FunctionName"], where)
            function_arn = function if str(function).startswith("arn:") else self._function_arn(stack, function)
            return f"{function_arn}:1" if attribute == "Arn" else "1"
        if kind == "AWS::Lambda::Alias" and attribute in ("Arn", "AliasArn"):
            function = self.resolve(stack, resource["Properties"]["FunctionName"], where)
            function_arn = function if str(function).startswith("arn:") else self._function_arn(stack, function)
            return f"{function_arn}:{self.resolve(stack, resource['Properties']['Name'], where)}"
        if kind == "AWS::SQS::Queue" and attribute == "QueueName":
            return name
        if kind == "AWS::SQS::Queue" and attribute == "QueueUrl":
            return self.ref(stack, logical_id, where)
        if attribute in ("Arn",):
            raise UnresolvedReferenceError(where, {"Fn::GetAtt": [logical_id, attribute]})
        # Other attributes (ids, DNS names, default security groups) never
        # decide an ARN's service or account: a stand-in unique to them.
        return f"{name}-{attribute}".lower()

    def _function_arn(self, stack: StackScope, name: str) -> str:
        return f"arn:{PARTITION}:lambda:{stack.region}:{stack.account}:function:{name}"

    def parameter(self, stack: StackScope, name: str, where: str) -> Any:
        """An SSM-backed template parameter: the value its producer writes."""
        declared = stack.parameters[name]
        path = declared.get("Default")
        if not from_parameter_store(declared.get("Type")) or path not in self._published:
            raise UnresolvedReferenceError(where, {"Ref": name, "Parameter Store": path})
        producer, value = self._published[path]
        return self.resolve(producer, value, f"{producer.name} parameter {path}")

    def import_value(self, name: str, where: str) -> Any:
        found = self._exports.get(name)
        if found is None:
            raise UnresolvedReferenceError(where, {"Fn::ImportValue": name})
        producer, value = found
        return self.resolve(producer, value, f"{producer.name} export {name}")


def _ref(resolver: Resolver, stack: StackScope, argument: Any, where: str) -> Any:
    return resolver.ref(stack, argument, where)


def _get_att(resolver: Resolver, stack: StackScope, argument: Any, where: str) -> Any:
    if isinstance(argument, str):
        argument = argument.split(".", 1)
    logical_id, attribute = argument
    return resolver.get_att(stack, logical_id, resolver.resolve(stack, attribute, where), where)


def _join(resolver: Resolver, stack: StackScope, argument: Any, where: str) -> Any:
    separator, values = argument
    parts = resolver.resolve(stack, values, where)
    return str(separator).join(str(part) for part in parts)


def _sub(resolver: Resolver, stack: StackScope, argument: Any, where: str) -> Any:
    template, variables = (argument, {}) if isinstance(argument, str) else argument
    bound = {key: resolver.resolve(stack, value, where) for key, value in variables.items()}

    def replace(match: re.Match[str]) -> str:
        token = match[1]
        if token.startswith("!"):
            return "${" + token[1:] + "}"
        if token in bound:
            return str(bound[token])
        if "." in token and not token.startswith("AWS::"):
            logical_id, attribute = token.split(".", 1)
            return resolver.get_att(stack, logical_id, attribute, where)
        return str(resolver.ref(stack, token, where))

    return SUB_TOKEN.sub(replace, template)


def _select(resolver: Resolver, stack: StackScope, argument: Any, where: str) -> Any:
    index, values = argument
    return resolver.resolve(stack, values, where)[int(resolver.resolve(stack, index, where))]


def _split(resolver: Resolver, stack: StackScope, argument: Any, where: str) -> Any:
    separator, value = argument
    return str(resolver.resolve(stack, value, where)).split(separator)


def _import(resolver: Resolver, stack: StackScope, argument: Any, where: str) -> Any:
    return resolver.import_value(str(resolver.resolve(stack, argument, where)), where)


_INTRINSICS = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Join": _join,
    "Fn::Sub": _sub,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::ImportValue": _import,
}
