"""CloudFormation intrinsics resolve to the concrete values AWS evaluates;
anything unknown is an error, never a pass."""

from __future__ import annotations

import pytest

from tradeinfra.access.intrinsics import Resolver, StackScope, UnresolvedReferenceError

DATA = StackScope(
    "dev-trading-data",
    "111111111111",
    "us-east-1",
    {
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "dev-trading-orders"}},
        "Key": {"Type": "AWS::KMS::Key", "Properties": {}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "dev-trading-orders"}},
        "Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/trading/dev/runtime/limit"}},
        "Boundary": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {"ManagedPolicyName": "dev-trading-permissions-boundary"},
        },
    },
    {"TableArn": {"Value": {"Fn::GetAtt": ["Table", "Arn"]}, "Export": {"Name": "dev-trading-data:TableArn"}}},
)
MESSAGING = StackScope(
    "dev-trading-messaging",
    "111111111111",
    "us-east-1",
    {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "dev-trading-orders"}},
        "QueueArnParameter": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Name": "/trading/dev/messaging/queue-arn", "Value": {"Fn::GetAtt": ["Queue", "Arn"]}},
        },
    },
)
COMPUTE = StackScope(
    "dev-trading-compute",
    "111111111111",
    "us-east-1",
    {},
    {},
    {
        "MessagingQueueArn": {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": "/trading/dev/messaging/queue-arn",
        },
        "Unpublished": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/trading/dev/messaging/nothing"},
        "Plain": {"Type": "String", "Default": "x"},
    },
)


@pytest.fixture
def resolver() -> Resolver:
    return Resolver([DATA, MESSAGING, COMPUTE])


def test_get_att_arn_uses_the_physical_name(resolver: Resolver) -> None:
    assert resolver.resolve(DATA, {"Fn::GetAtt": ["Table", "Arn"]}, "t") == (
        "arn:aws:dynamodb:us-east-1:111111111111:table/dev-trading-orders"
    )
    assert (
        resolver.resolve(DATA, {"Fn::GetAtt": "Queue.Arn"}, "t")
        == "arn:aws:sqs:us-east-1:111111111111:dev-trading-orders"
    )


def test_generated_names_get_a_stand_in_unique_to_stack_and_resource(resolver: Resolver) -> None:
    key = resolver.resolve(DATA, {"Fn::GetAtt": ["Key", "Arn"]}, "t")
    assert key == "arn:aws:kms:us-east-1:111111111111:key/dev-trading-data-key"


def test_ref_follows_each_types_contract(resolver: Resolver) -> None:
    assert resolver.resolve(DATA, {"Ref": "Table"}, "t") == "dev-trading-orders"
    assert (
        resolver.resolve(DATA, {"Ref": "Queue"}, "t")
        == "https://sqs.us-east-1.amazonaws.com/111111111111/dev-trading-orders"
    )
    assert resolver.resolve(DATA, {"Ref": "Boundary"}, "t") == (
        "arn:aws:iam::111111111111:policy/dev-trading-permissions-boundary"
    )
    assert resolver.resolve(DATA, {"Ref": "AWS::AccountId"}, "t") == "111111111111"


def test_import_value_resolves_in_the_producing_stack(resolver: Resolver) -> None:
    value = resolver.resolve(COMPUTE, {"Fn::ImportValue": "dev-trading-data:TableArn"}, "t")
    assert value == "arn:aws:dynamodb:us-east-1:111111111111:table/dev-trading-orders"


def test_a_parameter_store_reference_resolves_to_what_its_producer_writes(resolver: Resolver) -> None:
    value = resolver.resolve(COMPUTE, {"Ref": "MessagingQueueArn"}, "t")
    assert value == "arn:aws:sqs:us-east-1:111111111111:dev-trading-orders"


@pytest.mark.parametrize("parameter", ["Unpublished", "Plain"])
def test_a_parameter_no_stack_writes_is_unresolved(resolver: Resolver, parameter: str) -> None:
    with pytest.raises(UnresolvedReferenceError, match=parameter):
        resolver.resolve(COMPUTE, {"Ref": parameter}, "dev-trading-compute/Policy")


def test_join_sub_select_split(resolver: Resolver) -> None:
    joined = {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ssm:us-east-1:111111111111:parameter", {"Ref": "Param"}]]
    }
    assert (
        resolver.resolve(DATA, joined, "t") == "arn:aws:ssm:us-east-1:111111111111:parameter/trading/dev/runtime/limit"
    )
    sub = {"Fn::Sub": ["${Table.Arn}/index/${Name}:${AWS::Region}:${!Literal}", {"Name": "by-client"}]}
    assert resolver.resolve(DATA, sub, "t") == (
        "arn:aws:dynamodb:us-east-1:111111111111:table/dev-trading-orders/index/by-client:us-east-1:${Literal}"
    )
    assert resolver.resolve(DATA, {"Fn::Select": [1, {"Fn::Split": ["/", "a/b/c"]}]}, "t") == "b"


@pytest.mark.parametrize(
    "value",
    [
        {"Ref": "Missing"},
        {"Fn::GetAtt": ["Missing", "Arn"]},
        {"Fn::ImportValue": "dev-trading-data:Nothing"},
        {"Fn::If": ["Cond", "a", "b"]},
        {"Fn::GetAtt": ["Param", "Arn"]},  # no ARN format known for this type
    ],
)
def test_what_cannot_be_resolved_is_an_error(resolver: Resolver, value: object) -> None:
    with pytest.raises(UnresolvedReferenceError):
        resolver.resolve(DATA, value, "dev-trading-data/Policy")
