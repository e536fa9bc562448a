"""Bad input: one clear message naming file, line, key path and what was
expected; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.config.conftest import line_of, replace_in
from tradeinfra.config.loader import ConfigError, ConfigIssue, UnknownEnvironmentError, load_platform


def load_issues(config_dir: Path) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as caught:
        load_platform(config_dir)
    assert caught.value.issues, "ConfigError without issues"
    return caught.value.issues


def only_issue(config_dir: Path) -> ConfigIssue:
    issues = load_issues(config_dir)
    assert len(issues) == 1, "\n".join(map(str, issues))
    return issues[0]


def test_yaml_syntax_error_names_file_and_line(config_copy: Path) -> None:
    prod = config_copy / "environments" / "prod.yaml"
    replace_in(prod, "    memory_mb: 2048", "    memory_mb: [2048")
    issue = only_issue(config_copy)
    assert issue.location.file == prod
    assert issue.location.line is not None and issue.location.line >= line_of(prod, "memory_mb")
    assert "invalid YAML" in issue.message


def test_duplicate_key(config_copy: Path) -> None:
    prod = config_copy / "environments" / "prod.yaml"
    replace_in(prod, "    memory_mb: 2048\n", "    memory_mb: 2048\n    memory_mb: 1024\n")
    issue = only_issue(config_copy)
    assert issue.location.file == prod
    assert issue.location.line == line_of(prod, "memory_mb: 1024")
    assert "duplicate key" in issue.message and "memory_mb" in issue.message


def test_unknown_key_in_defaults(config_copy: Path) -> None:
    platform = config_copy / "platform.yaml"
    replace_in(platform, "    timeout_seconds: 30\n", "    timeout_seconds: 30\n    timout: 30\n")
    issue = only_issue(config_copy)
    assert (issue.location.file, issue.location.line) == (platform, line_of(platform, "timout:"))
    assert issue.path == "compute.timout"
    assert "unknown key" in issue.message
    assert issue.environments == ("dev", "prod", "staging")


def test_unknown_key_in_override(config_copy: Path) -> None:
    dev = config_copy / "environments" / "dev.yaml"
    replace_in(dev, "    memory_mb: 512\n", "    memory_mb: 512\n    memroy_mb: 512\n")
    issue = only_issue(config_copy)
    assert (issue.location.file, issue.location.line) == (dev, line_of(dev, "memroy_mb"))
    assert issue.path == "compute.memroy_mb"
    assert "unknown" in issue.message


def test_wrong_type(config_copy: Path) -> None:
    staging = config_copy / "environments" / "staging.yaml"
    replace_in(staging, "memory_mb: 1024", 'memory_mb: "1024"')
    issue = only_issue(config_copy)
    assert (issue.location.file, issue.location.line) == (staging, line_of(staging, "memory_mb"))
    assert issue.path == "compute.memory_mb"
    assert "valid integer" in issue.message and "'1024'" in issue.message
    assert issue.environments == ("staging",)


def test_value_out_of_range(config_copy: Path) -> None:
    prod = config_copy / "environments" / "prod.yaml"
    replace_in(prod, "memory_mb: 2048", "memory_mb: 20480")
    issue = only_issue(config_copy)
    assert issue.path == "compute.memory_mb"
    assert "less than or equal to 10240" in issue.message


def test_missing_setting_in_defaults(config_copy: Path) -> None:
    platform = config_copy / "platform.yaml"
    replace_in(platform, "    tracing: true\n", "")
    issue = only_issue(config_copy)
    assert issue.path == "compute.tracing"
    assert issue.location == type(issue.location)(platform, line_of(platform, "  compute:"))
    assert "missing" in issue.message


def test_missing_environment_file(config_copy: Path) -> None:
    (config_copy / "environments" / "staging.yaml").unlink()
    issue = only_issue(config_copy)
    assert issue.location.file.name == "staging.yaml"
    assert "file not found" in issue.message


def test_empty_environment_file(config_copy: Path) -> None:
    (config_copy / "environments" / "prod.yaml").write_text("# nothing here\n")
    issue = only_issue(config_copy)
    assert issue.location.file.name == "prod.yaml"
    assert "file is empty" in issue.message and "account" in issue.message


def test_environment_file_not_listed(config_copy: Path) -> None:
    (config_copy / "environments" / "qa.yaml").write_text('account: "444444444444"\nregion: us-west-2\n')
    issue = only_issue(config_copy)
    assert issue.location.file.name == "qa.yaml"
    assert "not listed" in issue.message


def test_unknown_environment_name(platform_dir: Path) -> None:
    platform = load_platform(platform_dir)
    with pytest.raises(UnknownEnvironmentError, match=r"unknown environment 'prd': expected one of dev, staging, prod"):
        platform.environment("prd")


@pytest.fixture
def platform_dir(config_copy: Path) -> Path:
    return config_copy


def test_override_of_setting_that_is_not_a_variation(config_copy: Path) -> None:
    prod = config_copy / "environments" / "prod.yaml"
    replace_in(prod, "    memory_mb: 2048\n", "    memory_mb: 2048\n    timeout_seconds: 60\n")
    issues = load_issues(config_copy)
    variation = [i for i in issues if i.path == "compute.timeout_seconds"]
    assert len(variation) == 1
    assert variation[0].location == type(variation[0].location)(prod, line_of(prod, "timeout_seconds"))
    assert "must be identical in every environment" in variation[0].message
    assert "variations" in variation[0].message


def test_override_of_whole_section_is_not_a_variation(config_copy: Path) -> None:
    dev = config_copy / "environments" / "dev.yaml"
    replace_in(dev, "  compute:\n", "  compute: null\n  compute_unused:\n")
    issues = load_issues(config_copy)
    assert any(i.path == "compute" and "identical in every environment" in i.message for i in issues)


def test_variation_naming_unknown_setting(config_copy: Path) -> None:
    platform = config_copy / "platform.yaml"
    replace_in(platform, "  compute.memory_mb:\n", "  compute.memroy_mb:\n")
    issues = load_issues(config_copy)
    assert any(i.path == "variations.compute.memroy_mb" and "not a setting" in i.message for i in issues)


def test_variation_needs_a_reason(config_copy: Path) -> None:
    platform = config_copy / "platform.yaml"
    replace_in(
        platform, "    reason: Guaranteed capacity is sized to each environment's order volume.\n", "    reason: ''\n"
    )
    issue = only_issue(config_copy)
    assert issue.path == "variations.compute.reserved_concurrency.reason"
    assert "at least 10 characters" in issue.message


def test_asg_min_desired_max_order(config_copy: Path) -> None:
    staging = config_copy / "environments" / "staging.yaml"
    replace_in(staging, "      desired_capacity: 2", "      desired_capacity: 5")
    issue = only_issue(config_copy)
    assert issue.path == "web_tier.autoscaling.desired_capacity"
    assert (issue.location.file, issue.location.line) == (staging, line_of(staging, "desired_capacity"))
    assert "min_size <= desired_capacity <= max_size" in issue.message and "2 / 5 / 4" in issue.message


def test_indefinite_trade_data_keeps_old_versions(config_copy: Path) -> None:
    prod = config_copy / "environments" / "prod.yaml"
    replace_in(prod, "    noncurrent_version_expiration_days: null", "    noncurrent_version_expiration_days: 30")
    issue = only_issue(config_copy)
    assert issue.path == "storage.noncurrent_version_expiration_days"
    assert issue.location.file == prod
    assert "kept indefinitely" in issue.message and "set noncurrent_version_expiration_days to null" in issue.message


def test_object_lock_mode_is_checked(config_copy: Path) -> None:
    prod = config_copy / "environments" / "prod.yaml"
    replace_in(prod, "mode: COMPLIANCE", "mode: LEGAL")
    issue = only_issue(config_copy)
    assert issue.path == "storage.object_lock.mode"
    assert "GOVERNANCE" in issue.message and "COMPLIANCE" in issue.message


def test_reserved_concurrency_within_account_limit(config_copy: Path) -> None:
    prod = config_copy / "environments" / "prod.yaml"
    replace_in(prod, "reserved_concurrency: 200", "reserved_concurrency: 950")
    issue = only_issue(config_copy)
    assert issue.path == "compute.reserved_concurrency"
    assert "at most 900" in issue.message


def test_visibility_timeout_at_least_six_times_lambda_timeout(config_copy: Path) -> None:
    platform = config_copy / "platform.yaml"
    replace_in(
        platform,
        "    visibility_timeout_seconds: 180  # 6 x the function timeout",
        "    visibility_timeout_seconds: 120",
    )
    issue = only_issue(config_copy)
    assert issue.path == "messaging.visibility_timeout_seconds"
    assert (issue.location.file, issue.location.line) == (platform, line_of(platform, "visibility_timeout_seconds"))
    assert "at least 6 x compute.timeout_seconds = 180" in issue.message


def test_accounts_must_differ(config_copy: Path) -> None:
    staging = config_copy / "environments" / "staging.yaml"
    replace_in(staging, '"222222222222"', '"111111111111"')
    issue = only_issue(config_copy)
    assert issue.location.file == staging and issue.path == "account"
    assert "already used by dev" in issue.message


def test_bad_account_id(config_copy: Path) -> None:
    staging = config_copy / "environments" / "staging.yaml"
    replace_in(staging, '"222222222222"', "2222")
    issue = only_issue(config_copy)
    assert issue.path == "account" and issue.location.line == line_of(staging, "account:")
    assert "valid string" in issue.message


def test_open_ingress_needs_reason(config_copy: Path) -> None:
    prod = config_copy / "environments" / "prod.yaml"
    replace_in(prod, "alb_ingress_cidrs: [203.0.113.0/24, 198.51.100.0/24]", "alb_ingress_cidrs: [0.0.0.0/0]")
    issue = only_issue(config_copy)
    assert issue.path == "web_tier.security.open_ingress_reason"
    assert "0.0.0.0/0" in issue.message


def test_bad_cidr(config_copy: Path) -> None:
    dev = config_copy / "environments" / "dev.yaml"
    replace_in(dev, "vpc_cidr: 10.10.0.0/16", "vpc_cidr: 10.10.0.1/16")
    issue = only_issue(config_copy)
    assert issue.path == "network.vpc_cidr" and "IPv4 CIDR" in issue.message


def test_every_problem_is_reported_at_once(config_copy: Path) -> None:
    dev = config_copy / "environments" / "dev.yaml"
    prod = config_copy / "environments" / "prod.yaml"
    replace_in(dev, "memory_mb: 512", "memory_mb: lots")
    replace_in(prod, "throttling_rate_limit: 2000", "throttling_rate_limit: -1")
    paths = {(i.location.file.name, i.path) for i in load_issues(config_copy)}
    assert paths == {("dev.yaml", "compute.memory_mb"), ("prod.yaml", "api.throttling_rate_limit")}


def test_missing_config_directory(tmp_path: Path) -> None:
    issue = only_issue(tmp_path / "nowhere")
    assert "config directory not found" in issue.message


def test_platform_file_not_a_mapping(config_copy: Path) -> None:
    (config_copy / "platform.yaml").write_text("- just\n- a list\n")
    issue = only_issue(config_copy)
    assert "expected a mapping" in issue.message and "got a list" in issue.message


def test_message_format_names_file_line_and_path(config_copy: Path) -> None:
    prod = config_copy / "environments" / "prod.yaml"
    replace_in(prod, "memory_mb: 2048", "memory_mb: 64")
    text = str(only_issue(config_copy))
    assert text.startswith(f"{prod}:{line_of(prod, 'memory_mb')}: compute.memory_mb: ")
    assert text.endswith("[prod]")


@pytest.mark.parametrize("breaker", ["\\x85", "\\u2028", "\\u2029", "\\x9b"])
def test_a_key_holding_a_line_separator_is_one_line_of_error(config_copy: Path, breaker: str) -> None:
    """U+0085, U+2028 and U+2029 end a line as surely as a newline does (and
    C1 controls are no text either): refused in a key (written as a YAML
    escape), and the error stays on one line, naming the file."""
    prod = config_copy / "environments" / "prod.yaml"
    replace_in(prod, "    memory_mb: 2048", f'    memory_mb: 2048\n    "x{breaker}y": 1')
    issue = only_issue(config_copy)
    assert issue.location.file == prod and "control character" in str(issue)
    assert len(str(issue).splitlines()) == 1, str(issue)
