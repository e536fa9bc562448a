"""Post-deployment validation on AWS: what it reads and how it judges, with
stubbed AWS APIs (the emulator path runs in tests/integration)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from botocore.stub import Stubber

from tests.unit.conftest import stubbed
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.ops.checks import Live, Outcome
from tradeinfra.ops.targets import Target, TargetKind
from tradeinfra.ops.validate import api_stage, order_processor, orders_table
from tradeinfra.ops.web_checks import web_autoscaling, web_database, web_security_groups


class StubbedAws(Target):
    """Target AWS whose clients answer from Stubbers."""

    def __init__(self, clients: dict[str, Any]) -> None:
        super().__init__(TargetKind.aws)
        object.__setattr__(self, "_stubbed", clients)

    def client(self, service: str, environment: Any) -> Any:
        return self._stubbed[service]  # type: ignore[attr-defined]


@pytest.fixture
def aws() -> Iterator[dict[str, tuple[Any, Stubber]]]:
    with ExitStack() as stack:
        yield {
            name: stack.enter_context(stubbed(name))
            for name in ("lambda", "dynamodb", "apigateway", "rds", "autoscaling", "ec2")
        }


def live(platform: PlatformConfig, env: str, aws: dict[str, tuple[Any, Stubber]]) -> Live:
    return Live(platform.environment(env), StubbedAws({name: pair[0] for name, pair in aws.items()}))


def stub_function(stubber: Stubber, memory: int, tags: dict[str, str]) -> None:
    arn = "arn:aws:lambda:us-east-1:333333333333:function:prod-trading-order-processor"
    stubber.add_response("get_alias", {"FunctionVersion": "7", "Name": "live"})
    stubber.add_response(
        "get_function_configuration",
        {
            "FunctionArn": arn,
            "MemorySize": memory,
            "Timeout": 30,
            "Architectures": ["arm64"],
            "Environment": {"Variables": {"ENVIRONMENT": "prod"}},
        },
        {"FunctionName": "prod-trading-order-processor"},
    )
    stubber.add_response("get_function_concurrency", {"ReservedConcurrentExecutions": 200})
    stubber.add_response("list_tags", {"Tags": tags}, {"Resource": arn})


def test_prod_function_conforms(platform: PlatformConfig, aws: dict[str, tuple[Any, Stubber]]) -> None:
    prod = platform.environment("prod")
    tags = {
        "Environment": "prod",
        "Project": prod.tags.project,
        "ManagedBy": "tradeinfra-cdk",
        "CostCenter": prod.tags.cost_center,
        "Owner": prod.tags.owner,
        "Compliance": prod.tags.compliance,
    }
    stub_function(aws["lambda"][1], 2048, tags)
    checks = list(order_processor(live(platform, "prod", aws)))
    assert all(c.outcome is Outcome.passed for c in checks), [c for c in checks if c.outcome is not Outcome.passed]


def test_prod_function_with_dev_memory_fails_by_name(
    platform: PlatformConfig, aws: dict[str, tuple[Any, Stubber]]
) -> None:
    stub_function(aws["lambda"][1], 512, {})
    failed = [c for c in order_processor(live(platform, "prod", aws)) if c.outcome is Outcome.failed]
    assert (failed[0].setting, failed[0].expected, failed[0].actual) == ("memory (MB)", "2048", "512")
    assert failed[-1].setting == "mandatory tags"


def test_unreadable_resource_is_a_failed_check(platform: PlatformConfig, aws: dict[str, tuple[Any, Stubber]]) -> None:
    aws["dynamodb"][1].add_client_error("describe_table", "ResourceNotFoundException")
    (only,) = orders_table(live(platform, "prod", aws))
    assert only.outcome is Outcome.failed and only.actual == "unreadable: ResourceNotFoundException"


def test_pitr_is_read_on_aws(platform: PlatformConfig, aws: dict[str, tuple[Any, Stubber]]) -> None:
    stubber = aws["dynamodb"][1]
    stubber.add_response(
        "describe_table", {"Table": {"ProvisionedThroughput": {"ReadCapacityUnits": 100, "WriteCapacityUnits": 100}}}
    )
    stubber.add_response(
        "describe_continuous_backups",
        {
            "ContinuousBackupsDescription": {
                "ContinuousBackupsStatus": "ENABLED",
                "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
            }
        },
    )
    checks = {c.setting: c for c in orders_table(live(platform, "prod", aws))}
    assert checks["point-in-time recovery"].outcome is Outcome.failed  # prod must have it


def test_api_throttling_is_read_from_the_stage(platform: PlatformConfig, aws: dict[str, tuple[Any, Stubber]]) -> None:
    stubber = aws["apigateway"][1]
    stubber.add_response("get_rest_apis", {"items": [{"id": "abc123", "name": "staging-trading-api"}]})
    stubber.add_response(
        "get_stage",
        {"methodSettings": {"*/*": {"throttlingRateLimit": 500.0, "throttlingBurstLimit": 1000}}},
        {"restApiId": "abc123", "stageName": "staging"},
    )
    checks = {c.setting: c for c in api_stage(live(platform, "staging", aws))}
    assert checks["throttling rate (req/s)"].outcome is Outcome.passed
    assert checks["throttling burst"].expected == str(platform.environment("staging").api.throttling_burst_limit)


def test_prod_database_with_dev_sizing_fails_on_class_and_multi_az(
    platform: PlatformConfig, aws: dict[str, tuple[Any, Stubber]]
) -> None:
    aws["rds"][1].add_response(
        "describe_db_instances",
        {
            "DBInstances": [
                {
                    "DBInstanceClass": "db.t3.micro",
                    "MultiAZ": False,
                    "BackupRetentionPeriod": 35,
                    "StorageEncrypted": True,
                    "PubliclyAccessible": False,
                    "TagList": [],
                }
            ]
        },
        {"DBInstanceIdentifier": "rds-prod-p9m3"},
    )
    failed = [c for c in web_database(live(platform, "prod", aws)) if c.outcome is Outcome.failed]
    assert [(c.setting, c.expected, c.actual) for c in failed[:2]] == [
        ("instance class", "db.t3.large", "db.t3.micro"),
        ("Multi-AZ", "true", "false"),
    ]


def test_a_missing_auto_scaling_group_fails(platform: PlatformConfig, aws: dict[str, tuple[Any, Stubber]]) -> None:
    aws["autoscaling"][1].add_response(
        "describe_auto_scaling_groups", {"AutoScalingGroups": []}, {"AutoScalingGroupNames": ["asg-web-prod-p9m3"]}
    )
    (only,) = web_autoscaling(live(platform, "prod", aws))
    assert (only.resource, only.actual, only.outcome) == ("asg-web-prod-p9m3", "missing", Outcome.failed)


def test_an_extra_ingress_rule_on_the_database_group_fails(
    platform: PlatformConfig, aws: dict[str, tuple[Any, Stubber]]
) -> None:
    def group(name: str, ingress: list[dict[str, Any]], egress: list[dict[str, Any]]) -> dict[str, Any]:
        return {"GroupId": f"sg-{name[:3]}", "GroupName": name, "IpPermissions": ingress, "IpPermissionsEgress": egress}

    def tcp(port: int, *, cidr: str | None = None, group_id: str | None = None) -> dict[str, Any]:
        rule: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
        rule["IpRanges" if cidr else "UserIdGroupPairs"] = [{"CidrIp": cidr} if cidr else {"GroupId": group_id}]
        return rule

    aws["ec2"][1].add_response(
        "describe_security_groups",
        {
            "SecurityGroups": [
                group(
                    "alb-sg-prod-p9m3",
                    [tcp(port, cidr=cidr) for port in (80, 443) for cidr in ("203.0.113.0/24", "198.51.100.0/24")],
                    [tcp(8080, group_id="sg-app")],
                ),
                group(
                    "app-sg-prod-p9m3",
                    [tcp(8080, group_id="sg-alb")],
                    [tcp(5432, group_id="sg-db-"), tcp(443, cidr="0.0.0.0/0")],
                ),
                group("db-sg-prod-p9m3", [tcp(5432, group_id="sg-app"), tcp(5432, cidr="0.0.0.0/0")], []),
            ]
        },
    )
    checks = list(web_security_groups(live(platform, "prod", aws)))
    failed = [c for c in checks if c.outcome is Outcome.failed]
    assert len(checks) == 6 and len(failed) == 1
    assert (failed[0].resource, failed[0].setting) == ("db-sg-prod-p9m3", "ingress rules")
    assert failed[0].actual == "['tcp/5432 from 0.0.0.0/0', 'tcp/5432 from app-sg-prod-p9m3']"
