"""The emulator's conditional writes behave as DynamoDB's: a conditional put
on a key that holds an item is refused, even when the item is the same (a
resent call is answered once by the emulator's server, `resends.py`, never
by loosening the condition)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.unit.conftest import use_fake_credentials
from tradeinfra.emulator.adaptations import dynamodb

LOCK = {"LockID": {"S": "bucket/env/dev/web-tier/terraform.tfstate"}, "Info": {"S": '{"ID":"a1","Who":"ci"}'}}


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    dynamodb.apply()  # as the emulator process does before it serves (patches moto for good)
    use_fake_credentials(monkeypatch)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="locks",
            KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def test_the_same_conditional_put_again_is_refused_as_on_aws(table: Any) -> None:
    table.put_item(TableName="locks", Item=LOCK, ConditionExpression="attribute_not_exists(LockID)")
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        table.put_item(TableName="locks", Item=LOCK, ConditionExpression="attribute_not_exists(LockID)")


def test_another_writers_item_is_refused(table: Any) -> None:
    table.put_item(TableName="locks", Item=LOCK, ConditionExpression="attribute_not_exists(LockID)")
    other = {**LOCK, "Info": {"S": '{"ID":"b2","Who":"someone else"}'}}
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        table.put_item(TableName="locks", Item=other, ConditionExpression="attribute_not_exists(LockID)")
    assert table.get_item(TableName="locks", Key={"LockID": LOCK["LockID"]})["Item"] == LOCK
