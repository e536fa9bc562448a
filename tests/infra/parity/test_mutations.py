"""Mutation tests on the real synthesized output: copy it, make one
unintended change to one environment, and the gate must name it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.infra.synthesized_copy import Output, Template, props, resource
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.parity.model import Finding
from tradeinfra.parity.runner import run_parity


def findings(output: Output, platform: PlatformConfig) -> list[Finding]:
    return run_parity(platform, output.cdk, output.cdktf, output.tfvars).findings


def test_untouched_output_is_consistent(output: Output, platform: PlatformConfig) -> None:
    assert findings(output, platform) == []


def _timeout(t: Template) -> None:
    props(t, "AWS::Lambda::Function", "OrderProcessor")["Timeout"] = 60


def _log_level(t: Template) -> None:
    props(t, "AWS::Lambda::Function", "OrderProcessor")["Environment"]["Variables"]["LOG_LEVEL"] = "DEBUG"


def _policy_action(t: Template) -> None:
    statements = props(t, "AWS::IAM::Policy", "OrderProcessorServiceRoleDefaultPolicy")["PolicyDocument"]["Statement"]
    statements.append({"Action": "dynamodb:DeleteItem", "Effect": "Allow", "Resource": "*"})


def _table_encryption(t: Template) -> None:
    props(t, "AWS::DynamoDB::Table")["SSESpecification"] = {"SSEEnabled": False}


def _queue_tag(t: Template) -> None:
    tags = props(t, "AWS::SQS::Queue", "OrdersQueue")["Tags"]
    next(tag for tag in tags if tag["Key"] == "CostCenter")["Value"] = "CC-0000-OTHER"


def _memory(t: Template) -> None:
    props(t, "AWS::Lambda::Function", "OrderProcessor")["MemorySize"] = 1024


def _retention(t: Template) -> None:
    props(t, "AWS::SQS::Queue", "OrdersQueue")["MessageRetentionPeriod"] = 86400


def _throttling(t: Template) -> None:
    props(t, "AWS::ApiGateway::Stage")["MethodSettings"][0]["ThrottlingRateLimit"] = 900


def _pitr_off(t: Template) -> None:
    props(t, "AWS::DynamoDB::Table")["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] = False


def _extra_topic(t: Template) -> None:
    t["Resources"]["DebugTopic"] = {
        "Type": "AWS::SNS::Topic",
        "Properties": {"TopicName": "prod-trading-debug"},
        "Metadata": {"aws:cdk:path": "prod/messaging/DebugTopic/Resource"},
    }


def _drop_dlq(t: Template) -> None:
    logical_id = next(
        lid
        for lid in t["Resources"]
        if lid.startswith("OrdersDeadLetterQueue") and t["Resources"][lid]["Type"] == "AWS::SQS::Queue"
    )
    del t["Resources"][logical_id]


def _bucket_name(t: Template) -> None:
    props(t, "AWS::S3::Bucket", "TradeData")["BucketName"] = "tradedata-prod-bucket"


def _function_name(t: Template) -> None:
    props(t, "AWS::Lambda::Function", "OrderProcessor")["FunctionName"] = "order-processor-dev"


def _key_rotation(t: Template) -> None:
    props(t, "AWS::KMS::Key")["EnableKeyRotation"] = False


def _queue_retain(t: Template) -> None:
    resource(t, "AWS::SQS::Queue", "OrdersQueue")["DeletionPolicy"] = "Retain"


def _drop_output(t: Template) -> None:
    del t["Outputs"]["TableName"]


def _output_value(t: Template) -> None:
    t["Outputs"]["QueueUrl"]["Value"] = "https://sqs.example/other"


def _public_bucket(t: Template) -> None:
    props(t, "AWS::S3::Bucket", "TradeData")["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"] = False


def _flow_log_traffic(t: Template) -> None:
    props(t, "AWS::EC2::FlowLog")["TrafficType"] = "REJECT"


def _subnet_ip(t: Template) -> None:
    props(t, "AWS::EC2::Subnet", "publicSubnet1")["MapPublicIpOnLaunch"] = True


TEMPLATE_MUTATIONS = [
    # (env, component, change, rule, resource, property path)
    ("prod", "compute", _timeout, "PAR001", "OrderProcessor/Resource", "Properties.Timeout"),
    (
        "staging",
        "compute",
        _log_level,
        "PAR001",
        "OrderProcessor/Resource",
        "Properties.Environment.Variables.LOG_LEVEL",
    ),
    (
        "prod",
        "compute",
        _policy_action,
        "PAR001",
        "OrderProcessor/ServiceRole/DefaultPolicy/Resource",
        "Properties.PolicyDocument.Statement.*",
    ),
    ("dev", "data", _table_encryption, "PAR001", "OrdersTable/Resource", "Properties.SSESpecification.*"),
    ("staging", "messaging", _queue_tag, "PAR001", "OrdersQueue/Resource", "Properties.Tags.*"),
    ("staging", "storage", _key_rotation, "PAR001", "BucketKey/Key/Resource", "Properties.EnableKeyRotation"),
    ("prod", "messaging", _queue_retain, "PAR001", "OrdersQueue/Resource", "DeletionPolicy"),
    (
        "dev",
        "storage",
        _public_bucket,
        "PAR001",
        "TradeDataBucket/Resource",
        "Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets",
    ),
    ("staging", "network", _flow_log_traffic, "PAR001", "Vpc/FlowLog/FlowLog", "Properties.TrafficType"),
    ("prod", "network", _subnet_ip, "PAR001", "Vpc/publicSubnet1/Subnet", "Properties.MapPublicIpOnLaunch"),
    ("prod", "compute", _memory, "PAR002", "OrderProcessor/Resource", "Properties.MemorySize"),
    ("dev", "messaging", _retention, "PAR002", "OrdersQueue/Resource", "Properties.MessageRetentionPeriod"),
    (
        "staging",
        "api",
        _throttling,
        "PAR002",
        "OrdersApi/DeploymentStage.<env>/Resource",
        "Properties.MethodSettings.0.ThrottlingRateLimit",
    ),
    (
        "prod",
        "data",
        _pitr_off,
        "PAR002",
        "OrdersTable/Resource",
        "Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
    ),
    ("prod", "messaging", _extra_topic, "PAR003", "DebugTopic/Resource", "(resource)"),
    ("dev", "messaging", _drop_dlq, "PAR003", "OrdersDeadLetterQueue/Resource", "(resource)"),
    ("prod", "storage", _bucket_name, "PAR004", "TradeDataBucket/Resource", "Properties.BucketName"),
    ("dev", "compute", _function_name, "PAR004", "OrderProcessor/Resource", "Properties.FunctionName"),
    ("dev", "data", _drop_output, "PAR006", "(output) TableName", "(presence)"),
    ("prod", "messaging", _output_value, "PAR006", "(output) QueueUrl", "Value"),
]


def assert_reported(found: list[Finding], rule: str, env: str, stack: str, resource_path: str, path: str) -> None:
    from fnmatch import fnmatchcase

    hits = [
        f for f in found
        if f.rule == rule and f.stack == stack and f.resource == resource_path and fnmatchcase(f.path, path)
        and env in f.environments
    ]  # fmt: skip
    assert hits, f"{rule} {stack}/{resource_path} {path} [{env}] not reported; got:\n" + "\n".join(
        f"{f.rule} {f.stack} {f.resource} {f.path} {f.environments}" for f in found
    )


@pytest.mark.parametrize(
    ("env", "component", "change", "rule", "resource_path", "path"),
    TEMPLATE_MUTATIONS,
    ids=[f"{m[3]}-{m[0]}-{m[2].__name__.strip('_')}" for m in TEMPLATE_MUTATIONS],
)
def test_template_mutation_is_reported(
    output: Output,
    platform: PlatformConfig,
    env: str,
    component: str,
    change: Callable[[Template], None],
    rule: str,
    resource_path: str,
    path: str,
) -> None:
    output.edit(env, component, change)
    assert_reported(findings(output, platform), rule, env, component, resource_path, path)


def test_missing_stack_in_one_environment(output: Output, platform: PlatformConfig) -> None:
    def drop_api(manifest: dict[str, Any]) -> None:
        for key in [k for k, a in manifest["artifacts"].items() if a.get("displayName", "").startswith("staging/api")]:
            del manifest["artifacts"][key]

    output.edit_manifest("staging", drop_api)
    assert_reported(findings(output, platform), "PAR003", "staging", "api", "(stack)", "(resource)")


def test_termination_protection_against_config(output: Output, platform: PlatformConfig) -> None:
    def protect(manifest: dict[str, Any]) -> None:
        for artifact in manifest["artifacts"].values():
            if artifact.get("displayName", "").startswith("dev/data"):
                artifact["properties"]["terminationProtection"] = True

    output.edit_manifest("dev", protect)
    assert_reported(findings(output, platform), "PAR002", "dev", "data", "(stack)", "TerminationProtection")


def test_a_stack_reading_another_published_value_in_one_environment(output: Output, platform: PlatformConfig) -> None:
    def read_the_dead_letter_queue(t: Template) -> None:
        t["Parameters"]["MessagingQueueArn"]["Default"] = "/trading/prod/messaging/dlq-arn"

    output.edit("prod", "compute", read_the_dead_letter_queue)
    assert_reported(
        findings(output, platform), "PAR001", "prod", "compute", "(stack)", "Parameters.MessagingQueueArn.Default"
    )


def test_acknowledgment_in_one_environment_only(output: Output, platform: PlatformConfig) -> None:
    def add_prod_only(report: dict[str, Any]) -> None:
        plugin = next(p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions")
        plugin["suppressedViolations"].append({
            "ruleName": "AwsSolutions-SQS3", "acknowledgedId": "AwsSolutions::AwsSolutions-SQS3",
            "reason": "prod-only exception", "violatingConstructs": [{"constructPath": "prod/messaging/OrdersQueue/Resource"}],
        })  # fmt: skip

    output.edit_report(add_prod_only)
    found = findings(output, platform)
    assert_reported(found, "PAR005", "prod", "messaging", "OrdersQueue/Resource", "AwsSolutions::AwsSolutions-SQS3")


def test_acknowledgment_missing_in_one_environment(output: Output, platform: PlatformConfig) -> None:
    def drop_staging(report: dict[str, Any]) -> None:
        for plugin in report["pluginReports"]:
            for finding in plugin["suppressedViolations"]:
                if finding["acknowledgedId"] == "AwsSolutions::AwsSolutions-COG4":
                    finding["violatingConstructs"] = [
                        c for c in finding["violatingConstructs"] if not c["constructPath"].startswith("staging/")
                    ]

    output.edit_report(drop_staging)
    found = findings(output, platform)
    hits = [f for f in found if f.rule == "PAR005" and f.path == "AwsSolutions::AwsSolutions-COG4"]
    assert hits and all(set(f.environments) == {"dev", "prod"} for f in hits)


@pytest.mark.parametrize(
    ("env", "change", "variable"),
    [
        ("staging", lambda text: text + "db_port = 5433\n", "var.db_port"),
        ("prod", lambda text: text.replace('"db.t3.large"', '"db.t3.medium"'), "var.db_instance_class"),
        (
            "dev",
            lambda text: "\n".join(line for line in text.splitlines() if not line.startswith("s3_versioning")) + "\n",
            "var.s3_versioning",
        ),
    ],
    ids=["undeclared-variable", "wrong-value", "missing-variable"],
)
def test_tfvars_mutation_is_reported(
    output: Output, platform: PlatformConfig, env: str, change: Callable[[str], str], variable: str
) -> None:
    output.edit_tfvars(env, change)
    assert_reported(findings(output, platform), "PAR007", env, "web-tier", variable, "tfvars")
