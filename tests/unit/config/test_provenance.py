"""Every resolved value knows the file and line it came from."""

from __future__ import annotations

from tests.conftest import CONFIG_DIR
from tests.unit.config.conftest import line_of
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.views import resolved_values

PLATFORM = CONFIG_DIR / "platform.yaml"
PROD = CONFIG_DIR / "environments" / "prod.yaml"


def sources(platform: PlatformConfig, env: str) -> dict[str, tuple[str, int | None]]:
    return {row.path: (row.source.file.name, row.source.line) for row in resolved_values(platform, env)}


def test_overridden_value_comes_from_environment_file(platform: PlatformConfig) -> None:
    assert sources(platform, "prod")["compute.memory_mb"] == ("prod.yaml", line_of(PROD, "memory_mb: 2048"))


def test_inherited_value_comes_from_platform_defaults(platform: PlatformConfig) -> None:
    assert sources(platform, "prod")["compute.timeout_seconds"] == (
        "platform.yaml",
        line_of(PLATFORM, "timeout_seconds: 30"),
    )


def test_identity_comes_from_environment_file(platform: PlatformConfig) -> None:
    prod = sources(platform, "prod")
    assert prod["account"] == ("prod.yaml", line_of(PROD, "account:"))
    assert prod["region"] == ("prod.yaml", line_of(PROD, "region:"))


def test_null_override_is_attributed_to_the_override(platform: PlatformConfig) -> None:
    assert sources(platform, "prod")["storage.trade_data_expiration_days"] == (
        "prod.yaml",
        line_of(PROD, "trade_data_expiration_days: null"),
    )


def test_every_value_has_a_line(platform: PlatformConfig) -> None:
    for env in platform.names:
        missing = [r.path for r in resolved_values(platform, env) if r.source.line is None and r.path != "name"]
        assert missing == [], env


def test_provenance_covers_every_setting(platform: PlatformConfig) -> None:
    dumped_paths = {row.path for row in resolved_values(platform, "dev")}
    assert "web_tier.network.vpc_tags.Project" in dumped_paths
    assert {"compute.memory_mb", "web_tier.autoscaling.desired_capacity", "terraform_state.lock_table"} <= dumped_paths
