"""The values the spec fixes, read from the synthesized templates.

Each expectation is checked against the spec's literal value and against the
configuration, so a test fails whether the template or the config drifts.
"""

from __future__ import annotations

import json

import pytest

from tests.infra.cdk.conftest import Assembly, order_processor
from tradeinfra.config.loader import PlatformConfig

ENVS = ("dev", "staging", "prod")
SPEC_MEMORY = {"dev": 512, "staging": 1024, "prod": 2048}
SPEC_RATE = {"dev": 100, "staging": 500, "prod": 2000}
SPEC_EXPIRATION = {"dev": 30, "staging": 90, "prod": None}
SPEC_PITR = {"dev": False, "staging": False, "prod": True}
SPEC_REGION = {"dev": "us-east-1", "staging": "us-east-2", "prod": "us-east-1"}


@pytest.mark.parametrize("env", ENVS)
def test_stacks_named_and_placed_per_environment(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    config = platform.environment(env)
    stacks = assembly[env]
    assert set(stacks) == {"security", "network", "data", "storage", "messaging", "monitoring", "compute", "api"}
    for component, stack in stacks.items():
        assert stack.stack_name == f"{env}-trading-{component}"
        assert (stack.account, stack.region) == (config.account, SPEC_REGION[env])
        assert stack.termination_protection is config.security.termination_protection
    assert all(s.termination_protection for s in assembly["prod"].values())
    assert not any(s.termination_protection for s in assembly["dev"].values())


@pytest.mark.parametrize("env", ENVS)
def test_lambda_memory_concurrency_and_settings(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    compute = platform.environment(env).compute
    function = order_processor(assembly[env]["compute"])
    assert function["MemorySize"] == SPEC_MEMORY[env] == compute.memory_mb
    assert function["ReservedConcurrentExecutions"] == compute.reserved_concurrency
    assert function["Timeout"] == compute.timeout_seconds
    assert function["FunctionName"] == f"{env}-trading-order-processor"
    assert function["Runtime"].startswith("python3.")
    assert function["Architectures"] == ["arm64"]
    assert function["TracingConfig"] == {"Mode": "Active"}
    variables = function["Environment"]["Variables"]
    assert variables["ENVIRONMENT"] == env
    assert variables["RUNTIME_PARAMETER_PATH"] == f"/trading/{env}/runtime/"
    assert variables["LOG_LEVEL"] == compute.log_level
    assert {"ORDERS_TABLE", "ORDERS_QUEUE_URL"} <= set(variables)
    assert "KmsKeyArn" in function
    assert len(function["VpcConfig"]["SubnetIds"]) == 3


@pytest.mark.parametrize("env", ENVS)
def test_lambda_in_subnets_without_an_internet_route(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    function = order_processor(assembly[env]["compute"])
    tier = "Isolated" if platform.environment(env).network.interface_endpoints else "Private"
    # the n-th of the subnet IDs the network stack publishes for that tier
    assert function["VpcConfig"]["SubnetIds"] == [
        {"Fn::Select": [index, {"Fn::Split": [",", {"Ref": f"Network{tier}SubnetIds"}]}]} for index in range(3)
    ]


@pytest.mark.parametrize("env", ENVS)
def test_published_version_and_live_alias(assembly: Assembly, env: str) -> None:
    stack = assembly[env]["compute"]
    version_id = next(iter(stack.resources("AWS::Lambda::Version")))
    alias = stack.only("AWS::Lambda::Alias")["Properties"]
    assert alias["Name"] == "live"
    assert alias["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}


@pytest.mark.parametrize("env", ENVS)
def test_function_log_retention(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    groups = assembly[env]["compute"].resources("AWS::Logs::LogGroup")
    names = sorted(g["Properties"]["LogGroupName"] for g in groups.values())
    assert names == [
        f"/aws/lambda/{env}-trading-order-processor",
        f"/aws/lambda/{env}-trading-order-processor-post-traffic",
        f"/aws/lambda/{env}-trading-order-processor-pre-traffic",
    ]
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == platform.environment(env).compute.log_retention_days
        assert "KmsKeyId" in group["Properties"]


@pytest.mark.parametrize("env", ENVS)
def test_runtime_settings_in_ssm(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    runtime = platform.environment(env).runtime
    parameters = {
        p["Properties"]["Name"]: p["Properties"]["Value"]
        for p in assembly[env]["compute"].resources("AWS::SSM::Parameter").values()
    }
    assert parameters[f"/trading/{env}/runtime/max-order-quantity"] == str(runtime.max_order_quantity)
    assert parameters[f"/trading/{env}/runtime/max-order-notional"] == str(runtime.max_order_notional)
    assert parameters[f"/trading/{env}/runtime/trading-enabled"] == "true"


@pytest.mark.parametrize("env", ENVS)
def test_dynamodb_capacity_pitr_and_protection(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    data = platform.environment(env).data
    stack = assembly[env]["data"]
    table = stack.only("AWS::DynamoDB::Table")
    props = table["Properties"]
    assert props["TableName"] == f"{env}-trading-orders"
    assert props["ProvisionedThroughput"] == {
        "ReadCapacityUnits": data.read_capacity,
        "WriteCapacityUnits": data.write_capacity,
    }
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is SPEC_PITR[env]
    assert props["SSESpecification"]["SSEEnabled"] is True and props["SSESpecification"]["SSEType"] == "KMS"
    assert props["DeletionProtectionEnabled"] is data.deletion_protection
    assert table["DeletionPolicy"] == ("Retain" if data.retain_on_delete else "Delete")
    assert data.autoscaling is not None
    targets = {
        t["Properties"]["ScalableDimension"]: (t["Properties"]["MinCapacity"], t["Properties"]["MaxCapacity"])
        for t in stack.resources("AWS::ApplicationAutoScaling::ScalableTarget").values()
    }
    assert targets == {
        "dynamodb:table:ReadCapacityUnits": (data.read_capacity, data.autoscaling.max_read_capacity),
        "dynamodb:table:WriteCapacityUnits": (data.write_capacity, data.autoscaling.max_write_capacity),
    }


def test_capacity_increases_from_dev_to_prod(assembly: Assembly) -> None:
    reads = [
        assembly[e]["data"].only("AWS::DynamoDB::Table")["Properties"]["ProvisionedThroughput"]["ReadCapacityUnits"]
        for e in ENVS
    ]
    assert reads == sorted(reads) and len(set(reads)) == 3


@pytest.mark.parametrize("env", ENVS)
def test_trade_data_bucket(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    config = platform.environment(env)
    stack = assembly[env]["storage"]
    buckets = {b["Properties"]["BucketName"]: b for b in stack.resources("AWS::S3::Bucket").values()}
    name = f"{env}-trading-trade-data-{config.account}-{config.region}"
    bucket = buckets[name]["Properties"]
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule.get("ExpirationInDays") == SPEC_EXPIRATION[env] == config.storage.trade_data_expiration_days
    assert rule["Status"] == "Enabled"
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert encryption["SSEAlgorithm"] == "aws:kms" and "KMSMasterKeyID" in encryption
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "trade-data/"
    assert "DestinationBucketName" in bucket["LoggingConfiguration"]


@pytest.mark.parametrize("env", ENVS)
def test_orders_queue_and_dead_letter_queue(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    config = platform.environment(env)
    queues = {
        q["Properties"]["QueueName"]: q["Properties"]
        for q in assembly[env]["messaging"].resources("AWS::SQS::Queue").values()
    }
    queue, dlq = queues[f"{env}-trading-orders"], queues[f"{env}-trading-orders-dlq"]
    assert queue["MessageRetentionPeriod"] == config.messaging.retention_seconds
    assert queue["RedrivePolicy"]["maxReceiveCount"] == config.messaging.dlq_max_receive_count
    assert queue["VisibilityTimeout"] >= 6 * config.compute.timeout_seconds
    assert dlq["MessageRetentionPeriod"] == config.messaging.dlq_retention_seconds
    assert "KmsMasterKeyId" in queue and "KmsMasterKeyId" in dlq


@pytest.mark.parametrize("env", ENVS)
def test_api_stage_throttling_logging_validation(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    api = platform.environment(env).api
    stack = assembly[env]["api"]
    assert stack.only("AWS::ApiGateway::RestApi")["Properties"]["Name"] == f"{env}-trading-api"
    stage = stack.only("AWS::ApiGateway::Stage")["Properties"]
    assert stage["StageName"] == env
    (settings,) = stage["MethodSettings"]
    assert (settings["HttpMethod"], settings["ResourcePath"]) == ("*", "/*")
    assert settings["ThrottlingRateLimit"] == SPEC_RATE[env] == api.throttling_rate_limit
    assert settings["ThrottlingBurstLimit"] == api.throttling_burst_limit
    assert settings["LoggingLevel"] == "INFO" and settings["DataTraceEnabled"] is False
    assert "DestinationArn" in stage["AccessLogSetting"]
    assert stage["TracingEnabled"] is True
    methods = {
        m["Properties"]["HttpMethod"]: m["Properties"] for m in stack.resources("AWS::ApiGateway::Method").values()
    }
    assert set(methods) == {"POST", "GET"}
    assert all(m["AuthorizationType"] == "AWS_IAM" and "RequestValidatorId" in m for m in methods.values())
    assert "application/json" in methods["POST"]["RequestModels"]
    assert methods["POST"]["Integration"]["Type"] == "AWS_PROXY"
    assert len(stack.resources("AWS::WAFv2::WebACLAssociation")) == 1


@pytest.mark.parametrize("env", ENVS)
def test_api_web_acl_limits_each_client(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    api = platform.environment(env).api
    stack = assembly[env]["api"]
    acl = stack.only("AWS::WAFv2::WebACL")["Properties"]
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} <= set(rules)
    rate = rules["PerClientRateLimit"]
    assert rate["Action"] == {"Block": {}}
    assert rate["Statement"]["RateBasedStatement"] == {
        "AggregateKeyType": "IP",
        "Limit": api.client_rate_limit_per_5_minutes,
        "EvaluationWindowSec": 300,
    }
    association = stack.only("AWS::WAFv2::WebACLAssociation")["Properties"]
    assert association["WebACLArn"]["Fn::GetAtt"][0] in stack.resources("AWS::WAFv2::WebACL")


@pytest.mark.parametrize("env", ENVS)
def test_api_integrates_with_the_live_alias(assembly: Assembly, env: str) -> None:
    method = next(
        m["Properties"]
        for m in assembly[env]["api"].resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "POST"
    )
    uri = method["Integration"]["Uri"]["Fn::Join"][1]
    assert uri[1] == {"Ref": "ComputeAliasArn"}  # the live alias, as the compute stack publishes it
    alias = assembly[env]["api"].template["Parameters"]["ComputeAliasArn"]
    assert alias["Default"] == f"/trading/{env}/compute/alias-arn"


@pytest.mark.parametrize("env", ENVS)
def test_vpc_three_azs_public_private_nat_flow_logs(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    config = platform.environment(env)
    stack = assembly[env]["network"]
    assert stack.only("AWS::EC2::VPC")["Properties"]["CidrBlock"] == config.network.vpc_cidr
    subnets = [s["Properties"] for s in stack.resources("AWS::EC2::Subnet").values()]
    assert {s["AvailabilityZone"] for s in subnets} == set(config.availability_zone_names)
    assert len(subnets) == 9  # public, private (NAT) and isolated (no internet route), per AZ
    assert not any(s.get("MapPublicIpOnLaunch") for s in subnets)
    assert len(stack.resources("AWS::EC2::NatGateway")) == config.network.nat_gateways == 3
    flow_log = stack.only("AWS::EC2::FlowLog")["Properties"]
    assert flow_log["TrafficType"] == "ALL"
    assert len(stack.resources("Custom::VpcRestrictDefaultSG")) == 1


@pytest.mark.parametrize("env", ENVS)
def test_vpc_endpoints_and_isolated_subnets_route_only_to_them(
    assembly: Assembly, platform: PlatformConfig, env: str
) -> None:
    network = platform.environment(env).network
    stack = assembly[env]["network"]
    endpoints = [e["Properties"] for e in stack.resources("AWS::EC2::VPCEndpoint").values()]
    gateways = {json.dumps(e["ServiceName"]) for e in endpoints if e.get("VpcEndpointType") == "Gateway"}
    assert any(".s3" in g for g in gateways) and any(".dynamodb" in g for g in gateways) and len(gateways) == 2
    for gateway in (e for e in endpoints if e.get("VpcEndpointType") == "Gateway"):
        assert len(gateway["RouteTableIds"]) == 6  # the private and the isolated subnets' route tables
    interfaces = {e["ServiceName"] for e in endpoints if e.get("VpcEndpointType") == "Interface"}
    expected = {"sqs", "ssm", "kms", "logs", "sts", "xray"} if network.interface_endpoints else set()
    assert {str(name).rsplit(".", 1)[-1] for name in interfaces} == expected
    for interface in (e for e in endpoints if e.get("VpcEndpointType") == "Interface"):
        assert interface["PrivateDnsEnabled"] is True and len(interface["SubnetIds"]) == 3
        assert interface["PolicyDocument"]["Statement"] == [
            {
                "Sid": "OnlyThisAccountsPrincipals",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": platform.environment(env).account}},
            }
        ]
    # isolated subnets: no default route at all (no NAT, no internet gateway)
    isolated_tables = {lid for lid, table in stack.resources("AWS::EC2::RouteTable").items() if "isolated" in lid}
    assert len(isolated_tables) == 3
    for route in stack.resources("AWS::EC2::Route").values():
        assert route["Properties"]["RouteTableId"]["Ref"] not in isolated_tables
    group = next(
        g["Properties"]
        for lid, g in stack.resources("AWS::EC2::SecurityGroup").items()
        if lid.startswith("EndpointSecurityGroup")
    )
    assert group["SecurityGroupIngress"] == [
        {
            "CidrIp": network.vpc_cidr,
            "Description": "HTTPS from the VPC",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]
