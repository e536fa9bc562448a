"""Drift-detection alarms, per environment: the detector function, what runs
it, the alarms on its metrics, the encrypted topic they notify, and the AWS
Config rule as a second signal."""

from __future__ import annotations

import json

import pytest

from tests.infra.cdk.conftest import Assembly, by_name
from tradeinfra.config.loader import PlatformConfig

ENVS = ("dev", "staging", "prod")


def rate_in_minutes(expression: str) -> int:
    count, unit = expression.removeprefix("rate(").removesuffix(")").split()
    return int(count) * {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}[unit]


@pytest.mark.parametrize("env", ENVS)
def test_detector_runs_on_the_configured_schedule(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    stack = assembly[env]["monitoring"]
    function_id, function = by_name(
        stack.resources("AWS::Lambda::Function"), "FunctionName", f"{env}-trading-drift-detector"
    )
    props = function["Properties"]
    assert props["Handler"] == "drift_detector.handler.lambda_handler"
    assert props["Environment"]["Variables"]["STACK_PREFIX"] == f"{env}-trading-"
    assert props["Timeout"] > int(props["Environment"]["Variables"]["MAX_WAIT_SECONDS"])
    assert props["ReservedConcurrentExecutions"] == 1  # runs never overlap
    assert "KmsKeyArn" in props and "DeadLetterConfig" in props and "VpcConfig" in props
    _, schedule = by_name(stack.resources("AWS::Events::Rule"), "Name", f"{env}-trading-drift-schedule")
    minutes = platform.environment(env).monitoring.drift_check_interval_minutes
    assert rate_in_minutes(schedule["Properties"]["ScheduleExpression"]) == minutes
    assert schedule["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}


@pytest.mark.parametrize("env", ENVS)
def test_detector_runs_when_a_stack_of_its_environment_settles(assembly: Assembly, env: str) -> None:
    stack = assembly[env]["monitoring"]
    _, rule = by_name(stack.resources("AWS::Events::Rule"), "Name", f"{env}-trading-drift-on-stack-change")
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.cloudformation"]
    assert pattern["detail-type"] == ["CloudFormation Stack Status Change"]
    (prefix,) = pattern["detail"]["stack-id"]
    assert prefix["prefix"].endswith(f":{stack.account}:stack/{env}-trading-")
    assert "UPDATE_COMPLETE" in pattern["detail"]["status-details"]["status"]


@pytest.mark.parametrize("env", ENVS)
def test_detector_may_detect_drift_on_its_own_stacks_only(assembly: Assembly, env: str) -> None:
    stack = assembly[env]["monitoring"]
    policies = [
        statement
        for policy in stack.resources("AWS::IAM::Policy").values()
        if any("DriftDetector" in role["Ref"] for role in policy["Properties"]["Roles"])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    detect = next(s for s in policies if "cloudformation:DetectStackDrift" in s["Action"])
    assert detect["Resource"] == f"arn:aws:cloudformation:{stack.region}:{stack.account}:stack/{env}-trading-*/*"
    actions = {a for s in policies for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    data_reads = {"s3:GetObject", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "sqs:ReceiveMessage"}
    assert not actions & data_reads, "the detector reads configuration, never trading data"
    assert not any(a.endswith("*") and ":" in a and a.split(":")[1] == "*" for a in actions)
    metrics = next(s for s in policies if s["Action"] == "cloudwatch:PutMetricData")
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Trading/Drift"}}


@pytest.mark.parametrize("env", ENVS)
def test_drift_alarm_notifies_the_encrypted_topic(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    stack = assembly[env]["monitoring"]
    topic_id, topic = by_name(stack.resources("AWS::SNS::Topic"), "TopicName", f"{env}-trading-alarms")
    assert "KmsMasterKeyId" in topic["Properties"]
    _, alarm = by_name(stack.resources("AWS::CloudWatch::Alarm"), "AlarmName", f"{env}-trading-stack-drift")
    props = alarm["Properties"]
    assert (props["Namespace"], props["MetricName"]) == ("Trading/Drift", "DriftedStacks")
    assert props["Dimensions"] == [{"Name": "Environment", "Value": env}]
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" and props["Threshold"] == 1
    assert props["AlarmActions"] == [{"Ref": topic_id}]
    emails = sorted(
        s["Properties"]["Endpoint"]
        for s in stack.resources("AWS::SNS::Subscription").values()
        if s["Properties"]["Protocol"] == "email"
    )
    assert emails == sorted(platform.environment(env).monitoring.alarm_emails)
    policy = next(iter(stack.resources("AWS::SNS::TopicPolicy").values()))["Properties"]["PolicyDocument"]
    assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s) for s in policy["Statement"])


@pytest.mark.parametrize("env", ENVS)
def test_a_detector_that_fails_or_stops_raises_an_alarm(assembly: Assembly, env: str) -> None:
    stack = assembly[env]["monitoring"]
    _, alarm = by_name(stack.resources("AWS::CloudWatch::Alarm"), "AlarmName", f"{env}-trading-drift-check-failing")
    assert alarm["Properties"]["MetricName"] == "DetectionFailures"
    assert alarm["Properties"]["TreatMissingData"] == "breaching"


@pytest.mark.parametrize("env", ENVS)
def test_aws_config_drift_rule_where_enabled(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    stack = assembly[env]["monitoring"]
    rules = stack.resources("AWS::Config::ConfigRule")
    if not platform.environment(env).monitoring.aws_config_drift_rule:
        assert rules == {}
        return
    (rule,) = rules.values()
    props = rule["Properties"]
    assert props["Source"] == {"Owner": "AWS", "SourceIdentifier": "CLOUDFORMATION_STACK_DRIFT_DETECTION_CHECK"}
    assert "cloudformationRoleArn" in props["InputParameters"]
    assert props["Scope"] == {"ComplianceResourceTypes": ["AWS::CloudFormation::Stack"]}
    forwards = [
        r
        for r in stack.resources("AWS::Events::Rule").values()
        if r["Properties"].get("EventPattern", {}).get("source") == ["aws.config"]
    ]
    assert len(forwards) == 1
    assert forwards[0]["Properties"]["EventPattern"]["detail"]["newEvaluationResult"] == {
        "complianceType": ["NON_COMPLIANT"]
    }
