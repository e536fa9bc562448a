"""Automated rollback of the order processor: CodeDeploy shifts the live
alias in the configured style, watches the release alarms, runs the pre- and
post-traffic hooks, and rolls back on alarm or failure."""

from __future__ import annotations

import pytest

from tests.infra.cdk.conftest import Assembly, by_name
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.naming import RELEASE_ALARMS

ENVS = ("dev", "staging", "prod")
SPEC_SHIFTING = {
    "dev": "CodeDeployDefault.LambdaAllAtOnce",
    "staging": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    "prod": "CodeDeployDefault.LambdaCanary10Percent10Minutes",
}


@pytest.mark.parametrize("env", ENVS)
def test_deployment_group_rolls_back_on_alarm_and_failure(
    assembly: Assembly, platform: PlatformConfig, env: str
) -> None:
    stack = assembly[env]["compute"]
    (group,) = stack.resources("AWS::CodeDeploy::DeploymentGroup").values()
    props = group["Properties"]
    assert props["DeploymentConfigName"] == SPEC_SHIFTING[env]
    assert platform.environment(env).deployment.lambda_traffic_shifting in props["DeploymentConfigName"]
    assert props["AutoRollbackConfiguration"]["Enabled"] is True
    assert set(props["AutoRollbackConfiguration"]["Events"]) == {
        "DEPLOYMENT_FAILURE",
        "DEPLOYMENT_STOP_ON_REQUEST",
        "DEPLOYMENT_STOP_ON_ALARM",
    }
    assert props["AlarmConfiguration"]["Enabled"] is True
    watched = {alarm["Name"]["Ref"] for alarm in props["AlarmConfiguration"]["Alarms"]}
    names = {stack.template["Resources"][lid]["Properties"]["AlarmName"] for lid in watched}
    assert names == {f"{env}-trading-{purpose}" for purpose in RELEASE_ALARMS}


@pytest.mark.parametrize("env", ENVS)
def test_alias_moves_only_through_codedeploy_with_both_hooks(assembly: Assembly, env: str) -> None:
    stack = assembly[env]["compute"]
    (alias,) = stack.resources("AWS::Lambda::Alias").values()
    update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    pre_id, _ = by_name(
        stack.resources("AWS::Lambda::Function"), "FunctionName", f"{env}-trading-order-processor-pre-traffic"
    )
    post_id, _ = by_name(
        stack.resources("AWS::Lambda::Function"), "FunctionName", f"{env}-trading-order-processor-post-traffic"
    )
    assert update["BeforeAllowTrafficHook"] == {"Ref": pre_id}
    assert update["AfterAllowTrafficHook"] == {"Ref": post_id}


@pytest.mark.parametrize("env", ENVS)
def test_post_traffic_hook_expects_the_configured_settings(
    assembly: Assembly, platform: PlatformConfig, env: str
) -> None:
    compute = platform.environment(env).compute
    stack = assembly[env]["compute"]
    _, hook = by_name(
        stack.resources("AWS::Lambda::Function"), "FunctionName", f"{env}-trading-order-processor-post-traffic"
    )
    variables = hook["Properties"]["Environment"]["Variables"]
    assert variables["EXPECTED_MEMORY_SIZE"] == str(compute.memory_mb)
    assert variables["EXPECTED_RESERVED_CONCURRENCY"] == str(compute.reserved_concurrency)
    assert variables["EXPECTED_ENVIRONMENT"] == env and variables["ALIAS_NAME"] == "live"
    assert hook["Properties"]["Handler"] == "deployment_hooks.handler.post_traffic"


@pytest.mark.parametrize("env", ENVS)
def test_release_alarms_use_configured_thresholds_and_notify(
    assembly: Assembly, platform: PlatformConfig, env: str
) -> None:
    monitoring = platform.environment(env).monitoring
    alarms = assembly[env]["compute"].resources("AWS::CloudWatch::Alarm")
    thresholds = {
        "order-processor-errors": monitoring.lambda_error_threshold,
        "order-processor-throttles": 1,
        "api-5xx": monitoring.api_5xx_threshold,
        "orders-dlq-depth": monitoring.dlq_depth_threshold,
    }
    for purpose, threshold in thresholds.items():
        _, alarm = by_name(alarms, "AlarmName", f"{env}-trading-{purpose}")
        assert alarm["Properties"]["Threshold"] == threshold
        (action,) = alarm["Properties"]["AlarmActions"]
        assert action == {"Ref": "MonitoringAlarmTopicArn"}  # the monitoring stack's alarm topic
    topic = assembly[env]["compute"].template["Parameters"]["MonitoringAlarmTopicArn"]
    assert topic["Default"] == f"/trading/{env}/monitoring/alarm-topic-arn"
    _, api = by_name(alarms, "AlarmName", f"{env}-trading-api-5xx")
    assert {"Name": "ApiName", "Value": f"{env}-trading-api"} in api["Properties"]["Dimensions"]
