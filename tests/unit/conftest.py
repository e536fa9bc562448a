"""Shared by the unit tests: boto3 clients answered by botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber


@contextmanager
def stubbed(service: str) -> Iterator[tuple[Any, Stubber]]:
    """A client of `service` that answers only what the test queued, and
    fails the test if a queued answer was not asked for."""
    client = boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def use_fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """For moto in-process: credentials and a region that nothing checks."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
