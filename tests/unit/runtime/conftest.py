"""moto-backed AWS for the runtime code: the order table, queue and runtime
limits the order processor reads (no network)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tradeinfra.runtime.order_processor import handler

REGION = "us-east-1"
PATH = "/trading/test/runtime/"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        dynamodb = boto3.resource("dynamodb", region_name=REGION)
        table = dynamodb.create_table(
            TableName="test-trading-orders",
            KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName="test-trading-orders")["QueueUrl"]
        ssm = boto3.client("ssm", region_name=REGION)
        for name, value in {
            "max-order-quantity": "1000",
            "max-order-notional": "100000",
            "trading-enabled": "true",
        }.items():
            ssm.put_parameter(Name=PATH + name, Value=value, Type="String")
        monkeypatch.setenv("ORDERS_TABLE", "test-trading-orders")
        monkeypatch.setenv("ORDERS_QUEUE_URL", queue_url)
        monkeypatch.setenv("RUNTIME_PARAMETER_PATH", PATH)
        monkeypatch.setenv("LIMITS_TTL_SECONDS", "0")
        monkeypatch.setattr(handler, "_dependencies", None)
        yield {"table": table, "sqs": sqs, "queue_url": queue_url, "ssm": ssm}
        monkeypatch.setattr(handler, "_dependencies", None)
