"""PAR004: a physical name that does not follow the naming pattern
(`<env>-trading-<name>`, `/trading/<env>/...`) or a stack name other than
`<env>-trading-<component>`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tradeinfra.config.naming import PROJECT
from tradeinfra.parity.context import ParityContext
from tradeinfra.parity.model import Finding, Severity
from tradeinfra.parity.normalize import ENV
from tradeinfra.parity.rules.base import Rule

ID = "PAR004"
NAME_PROPERTIES = {
    "AWS::Lambda::Function": "FunctionName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::ApiGateway::RestApi": "Name",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::SSM::Parameter": "Name",
    "AWS::WAFv2::WebACL": "Name",
}
_E = re.escape(ENV)
_PART = r"(?:[a-z0-9-]|<account>|<region>)+"  # bucket names carry account and region
PATTERN = re.compile(
    rf"^((aws-waf-logs-|alias/|/aws/lambda/)?{_E}-{PROJECT}-{_PART}|/{PROJECT}/{_E}/[A-Za-z0-9/_.-]+)$"
)


def check(ctx: ParityContext) -> Iterator[Finding]:
    for env, snapshot in ctx.snapshots.items():
        for component, stack in snapshot.stacks.items():
            expected_stack = f"{env}-{PROJECT}-{component}"
            if stack.stack_name != expected_stack:
                yield _finding(env, component, "(stack)", "StackName", stack.stack_name, f"expected {expected_stack}")
            for path, resource in stack.resources.items():
                prop = NAME_PROPERTIES.get(resource.type)
                name = resource.properties.get(f"Properties.{prop}") if prop else None
                if isinstance(name, str) and not PATTERN.match(name):
                    yield _finding(env, component, path, f"Properties.{prop}", name, "expected <env>-trading-<name>")


def _finding(env: str, stack: str, resource: str, path: str, name: str, expected: str) -> Finding:
    return Finding(
        rule=ID,
        severity=Severity.MEDIUM,
        environments=(env,),
        stack=stack,
        resource=resource,
        path=path,
        values={env: name},
        message=f"name {name!r} breaks the naming pattern: {expected}",
    )


RULE = Rule(ID, Severity.MEDIUM, "Physical name breaks the pattern", __doc__ or "", check)
