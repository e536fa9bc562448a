"""Physical names and mandatory tags shared by both apps."""

from __future__ import annotations

import pytest

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.naming import (
    NamingError,
    ResourceKind,
    cdk_name,
    ssm_parameter,
    ssm_prefix,
    stack_name,
    tf_name,
)
from tradeinfra.config.tags import MANDATORY_TAG_KEYS, mandatory_tags


def test_cdk_pattern() -> None:
    assert cdk_name("prod", "order-processor", ResourceKind.LAMBDA_FUNCTION) == "prod-trading-order-processor"
    assert stack_name("staging", "network") == "staging-trading-network"


def test_terraform_pattern() -> None:
    assert tf_name("alb", "prod", "p9m3", ResourceKind.LOAD_BALANCER) == "alb-prod-p9m3"
    assert tf_name("rds", "staging", "pr42", ResourceKind.RDS_INSTANCE) == "rds-staging-pr42"


def test_ssm_paths() -> None:
    assert ssm_prefix("dev") == "/trading/dev/"
    assert ssm_parameter("dev", "data", "table-name") == "/trading/dev/data/table-name"
    with pytest.raises(NamingError, match="path part"):
        ssm_parameter("dev", "bad/part")


def test_too_long_is_an_error_not_a_truncation() -> None:
    with pytest.raises(NamingError, match=r"load balancer name 'alb-staging-averyverylongsuffix00' \(33 characters\)"):
        tf_name("alb", "staging", "averyverylongsuffix00", ResourceKind.LOAD_BALANCER)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Prod-trading-data", ResourceKind.S3_BUCKET),  # uppercase
        ("alb-prod-", ResourceKind.LOAD_BALANCER),  # trailing hyphen
        ("rds--prod-x", ResourceKind.RDS_INSTANCE),  # double hyphen
        ("1rds-prod-x", ResourceKind.RDS_INSTANCE),  # starts with a digit
        ("orders queue", ResourceKind.SQS_QUEUE),  # space
        ("sg-alb-prod-x", ResourceKind.SECURITY_GROUP),  # AWS reserves the sg- prefix
    ],
)
def test_invalid_characters(name: str, kind: ResourceKind) -> None:
    from tradeinfra.config.naming import check_name

    with pytest.raises(NamingError, match="invalid: expected"):
        check_name(name, kind)


def test_every_configured_terraform_name_fits(platform: PlatformConfig) -> None:
    for env in platform.names:
        suffix = platform.environment(env).web_tier.environment_suffix
        tf_name("alb", env, suffix, ResourceKind.LOAD_BALANCER)
        tf_name("tg", env, suffix, ResourceKind.TARGET_GROUP)
        tf_name("rds", env, suffix, ResourceKind.RDS_INSTANCE)


def test_mandatory_tags(platform: PlatformConfig) -> None:
    tags = mandatory_tags(platform.environment("prod"), "tradeinfra-cdk")
    assert tuple(tags) == MANDATORY_TAG_KEYS
    assert tags["Environment"] == "prod"
    assert tags["Project"] == "trading-platform"
    assert tags["ManagedBy"] == "tradeinfra-cdk"
    assert all(tags.values())
