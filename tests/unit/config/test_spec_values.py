"""The values the two specs fix, exactly as the loader resolves them."""

from __future__ import annotations

import itertools

import pytest

from tradeinfra.config.loader import PlatformConfig

ENVS = ("dev", "staging", "prod")


def test_environments_in_promotion_order(platform: PlatformConfig) -> None:
    assert platform.names == ["dev", "staging", "prod"]


def test_three_distinct_twelve_digit_accounts(platform: PlatformConfig) -> None:
    accounts = [platform.environment(env).account for env in ENVS]
    assert all(len(a) == 12 and a.isdigit() for a in accounts)
    assert len(set(accounts)) == 3


@pytest.mark.parametrize(("env", "region"), [("dev", "us-east-1"), ("staging", "us-east-2"), ("prod", "us-east-1")])
def test_region(platform: PlatformConfig, env: str, region: str) -> None:
    assert platform.environment(env).region == region


@pytest.mark.parametrize("env", ENVS)
def test_vpc_three_azs_public_private_nat(platform: PlatformConfig, env: str) -> None:
    config = platform.environment(env)
    assert len(config.availability_zone_names) == 3
    assert all(az.startswith(config.region) for az in config.availability_zone_names)
    assert config.network.nat_gateways >= 1
    assert config.network.public_subnet_mask and config.network.private_subnet_mask


@pytest.mark.parametrize(("env", "memory"), [("dev", 512), ("staging", 1024), ("prod", 2048)])
def test_lambda_memory(platform: PlatformConfig, env: str, memory: int) -> None:
    assert platform.environment(env).compute.memory_mb == memory


@pytest.mark.parametrize(("env", "rate"), [("dev", 100), ("staging", 500), ("prod", 2000)])
def test_api_throttling_rate(platform: PlatformConfig, env: str, rate: int) -> None:
    assert platform.environment(env).api.throttling_rate_limit == rate


@pytest.mark.parametrize(("env", "days"), [("dev", 30), ("staging", 90), ("prod", None)])
def test_trade_data_retention(platform: PlatformConfig, env: str, days: int | None) -> None:
    assert platform.environment(env).storage.trade_data_expiration_days == days


@pytest.mark.parametrize(("env", "pitr"), [("dev", False), ("staging", False), ("prod", True)])
def test_point_in_time_recovery(platform: PlatformConfig, env: str, pitr: bool) -> None:
    assert platform.environment(env).data.point_in_time_recovery is pitr


def _increasing(values: list[int]) -> bool:
    return all(a < b for a, b in itertools.pairwise(values))


def test_reserved_concurrency_increases(platform: PlatformConfig) -> None:
    assert _increasing([platform.environment(e).compute.reserved_concurrency for e in ENVS])


def test_table_capacity_increases(platform: PlatformConfig) -> None:
    data = [platform.environment(e).data for e in ENVS]
    assert _increasing([d.read_capacity for d in data])
    assert _increasing([d.write_capacity for d in data])


def test_messaging_retention_and_dlq_per_environment(platform: PlatformConfig) -> None:
    messaging = [platform.environment(e).messaging for e in ENVS]
    assert len({m.retention_seconds for m in messaging}) == 3
    assert len({m.dlq_max_receive_count for m in messaging}) == 3
    for env in ENVS:
        config = platform.environment(env)
        assert config.messaging.visibility_timeout_seconds >= 6 * config.compute.timeout_seconds


@pytest.mark.parametrize(
    ("env", "instance_class", "multi_az"),
    [("dev", "db.t3.micro", False), ("staging", "db.t3.small", False), ("prod", "db.t3.large", True)],
)
def test_rds(platform: PlatformConfig, env: str, instance_class: str, multi_az: bool) -> None:
    database = platform.environment(env).web_tier.database
    assert database.instance_class == instance_class
    assert database.multi_az is multi_az


@pytest.mark.parametrize(("env", "sizes"), [("dev", (1, 2, 1)), ("staging", (2, 4, 2)), ("prod", (3, 10, 5))])
def test_asg_min_max_desired(platform: PlatformConfig, env: str, sizes: tuple[int, int, int]) -> None:
    asg = platform.environment(env).web_tier.autoscaling
    assert (asg.min_size, asg.max_size, asg.desired_capacity) == sizes


@pytest.mark.parametrize(("env", "on"), [("dev", False), ("staging", False), ("prod", True)])
def test_prod_only_features(platform: PlatformConfig, env: str, on: bool) -> None:
    web = platform.environment(env).web_tier
    assert web.load_balancer.access_logs is on
    assert web.storage.versioning is on


def test_security_group_cidrs_and_suffix_per_environment(platform: PlatformConfig) -> None:
    webs = [platform.environment(e).web_tier for e in ENVS]
    assert len({tuple(w.security.alb_ingress_cidrs) for w in webs}) == 3
    assert len({w.environment_suffix for w in webs}) == 3
    assert all("0.0.0.0/0" not in w.security.alb_ingress_cidrs for w in webs)


def test_everything_not_declared_is_identical(platform: PlatformConfig) -> None:
    from tradeinfra.config.views import environment_matrix

    undeclared = [row.path for row in environment_matrix(platform) if row.varies and not row.declared]
    assert undeclared == []
