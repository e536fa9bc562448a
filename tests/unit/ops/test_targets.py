"""Credentials on AWS: the caller's own, or the role the pipeline names."""

from __future__ import annotations

import os

import boto3
import pytest

from tests.unit.conftest import stubbed
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.errors import TradeinfraError
from tradeinfra.ops.targets import Target, TargetKind

ROLE = "arn:aws:iam::333333333333:role/prod-trading-post-deploy-validator"


def test_aws_uses_the_callers_credentials_by_default(platform: PlatformConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRADEINFRA_ASSUME_ROLE_ARN", raising=False)
    monkeypatch.setenv("AWS_PROFILE", "prod-operator")
    variables = Target(TargetKind.aws).process_environment(platform.environment("prod"))
    assert variables["AWS_PROFILE"] == "prod-operator" and variables["AWS_REGION"] == "us-east-1"
    assert variables.get("AWS_ACCESS_KEY_ID") == os.environ.get("AWS_ACCESS_KEY_ID")  # nothing substituted


def test_aws_acts_as_the_named_role(platform: PlatformConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEINFRA_ASSUME_ROLE_ARN", ROLE)
    with stubbed("sts") as (sts, stubber):
        stubber.add_response(
            "assume_role",
            {
                "Credentials": {
                    "AccessKeyId": "ASIAVALIDATOR0000001",
                    "SecretAccessKey": "secret",
                    "SessionToken": "token",
                    "Expiration": "2026-11-22T09:00:00Z",
                }
            },
            {"RoleArn": ROLE, "RoleSessionName": "tradeinfra"},
        )
        monkeypatch.setattr(boto3, "client", lambda service, **kwargs: sts)
        variables = Target(TargetKind.aws).process_environment(platform.environment("prod"))
    assert variables["AWS_ACCESS_KEY_ID"] == "ASIAVALIDATOR0000001" and variables["AWS_SESSION_TOKEN"] == "token"


def test_a_role_that_cannot_be_assumed_is_named(platform: PlatformConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEINFRA_ASSUME_ROLE_ARN", ROLE)
    with stubbed("sts") as (sts, stubber):
        stubber.add_client_error("assume_role", "AccessDenied")
        monkeypatch.setattr(boto3, "client", lambda service, **kwargs: sts)
        with pytest.raises(TradeinfraError, match=r"TRADEINFRA_ASSUME_ROLE_ARN=.*prod-trading-post-deploy-validator"):
            Target(TargetKind.aws).process_environment(platform.environment("prod"))


def test_the_smoke_request_is_signed_as_the_named_role(
    platform: PlatformConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The validator role holds the API grant; the pipeline step's own role
    does not. A request signed with the caller's credentials would be refused."""
    from tradeinfra.ops import targets

    monkeypatch.setenv("TRADEINFRA_ASSUME_ROLE_ARN", ROLE)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIACODEBUILDSTEP001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "step-secret")
    assumed = {"AWS_ACCESS_KEY_ID": "ASIAVALIDATOR0000001", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}
    monkeypatch.setattr(targets, "_assumed", lambda role, region: assumed if role == ROLE else {})
    credentials = Target(TargetKind.aws).session(platform.environment("prod")).get_credentials()
    assert credentials.access_key == "ASIAVALIDATOR0000001" and credentials.token == "t"
