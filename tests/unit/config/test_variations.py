"""Only declared settings may differ between environments."""

from __future__ import annotations

from pathlib import Path

from tests.unit.config.conftest import replace_in
from tradeinfra.config.loader import PlatformConfig, load_platform


def test_every_environment_override_is_declared(platform: PlatformConfig) -> None:
    from tradeinfra.config.views import environment_matrix

    for row in environment_matrix(platform):
        if row.varies:
            assert row.declared, row.path


def test_declaring_a_variation_allows_the_override(config_copy: Path) -> None:
    platform_file = config_copy / "platform.yaml"
    replace_in(
        platform_file,
        "variations:\n",
        "variations:\n  compute.timeout_seconds:\n    reason: Production calls a slower risk service.\n",
    )
    replace_in(
        config_copy / "environments" / "prod.yaml",
        "    memory_mb: 2048\n",
        "    memory_mb: 2048\n    timeout_seconds: 20\n",
    )
    loaded = load_platform(config_copy)
    assert loaded.environment("prod").compute.timeout_seconds == 20
    assert loaded.environment("dev").compute.timeout_seconds == 30
    assert loaded.is_declared_variation("compute.timeout_seconds")


def test_a_section_variation_covers_its_settings(config_copy: Path) -> None:
    platform_file = config_copy / "platform.yaml"
    replace_in(
        platform_file,
        "variations:\n",
        "variations:\n  web_tier.load_balancer:\n    reason: Load balancer tuning differs per environment.\n",
    )
    replace_in(
        config_copy / "environments" / "prod.yaml",
        "      access_logs: true\n",
        "      access_logs: true\n      healthy_threshold: 2\n",
    )
    loaded = load_platform(config_copy)
    assert loaded.environment("prod").web_tier.load_balancer.healthy_threshold == 2


def test_deep_merge_keeps_sibling_defaults(platform: PlatformConfig) -> None:
    prod = platform.environment("prod")
    # prod overrides database.instance_class but inherits the rest of the section
    assert prod.web_tier.database.engine_version == "16.4"
    assert prod.web_tier.database.port == 5432
