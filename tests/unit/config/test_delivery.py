"""The `delivery` section of platform.yaml: the pipeline's tooling account,
source and approvals; errors name the line and the key."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CONFIG_DIR
from tests.unit.config.conftest import line_of, replace_in
from tests.unit.config.test_errors import only_issue
from tradeinfra.config.loader import load_platform


def test_delivery_is_read_from_platform_yaml() -> None:
    delivery = load_platform(CONFIG_DIR).delivery
    assert delivery is not None
    assert delivery.pipeline_name == "trading-pipeline"
    assert delivery.approval_before == ["prod"]
    assert delivery.source.branch == "main"


def test_delivery_is_optional(config_copy: Path) -> None:
    platform = config_copy / "platform.yaml"
    text = platform.read_text(encoding="utf-8")
    start, end = text.index("\ndelivery:\n"), text.index("\nvariations:\n")
    platform.write_text(text[:start] + text[end:], encoding="utf-8")
    assert load_platform(config_copy).delivery is None


def test_approval_before_an_unknown_environment(config_copy: Path) -> None:
    platform = config_copy / "platform.yaml"
    replace_in(platform, "approval_before: [prod]", "approval_before: [production]")
    issue = only_issue(config_copy)
    assert (issue.location.file, issue.location.line) == (platform, line_of(platform, "approval_before"))
    assert issue.path == "delivery.approval_before.0"
    assert "unknown environment 'production'" in issue.message and "dev, staging, prod" in issue.message


def test_tooling_account_must_not_host_an_environment(config_copy: Path) -> None:
    platform = config_copy / "platform.yaml"
    replace_in(platform, 'account: "444444444444"', 'account: "333333333333"')
    issue = only_issue(config_copy)
    assert (issue.location.file, issue.location.line) == (platform, line_of(platform, '"333333333333"'))
    assert issue.path == "delivery.account"
    assert "prod" in issue.message and "own tooling account" in issue.message


def test_connection_must_be_a_codeconnections_arn(config_copy: Path) -> None:
    platform = config_copy / "platform.yaml"
    replace_in(platform, "arn:aws:codeconnections:", "arn:aws:codecommit:")
    issue = only_issue(config_copy)
    assert (issue.location.file, issue.location.line) == (platform, line_of(platform, "connection_arn"))
    assert issue.path == "delivery.source.connection_arn"
    assert "arn:aws:codecommit:" in issue.message


def test_missing_delivery_key(config_copy: Path) -> None:
    platform = config_copy / "platform.yaml"
    replace_in(platform, "  step_timeout_minutes: 30\n", "")
    issue = only_issue(config_copy)
    assert issue.location.file == platform
    assert issue.path == "delivery.step_timeout_minutes" and "missing" in issue.message
