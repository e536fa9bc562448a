"""config/replacements.yaml: reviewed stateful replacements, checked on load
like every other configuration file (file, line, key, what was expected)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.config.conftest import line_of
from tradeinfra.config.loader import ConfigError, load_platform
from tradeinfra.config.replacements import REPLACEMENTS_FILE

ENTRY = "  - environment: prod\n    resource: prod-trading-orders\n    change: 0123456789ab\n    reason: {reason}\n"


def test_the_shipped_file_allows_nothing() -> None:
    from tests.conftest import CONFIG_DIR

    assert (CONFIG_DIR / REPLACEMENTS_FILE).is_file()
    assert load_platform(CONFIG_DIR).replacements == ()


def test_entries_are_read_per_environment(config_copy: Path) -> None:
    (config_copy / REPLACEMENTS_FILE).write_text("allowed:\n" + ENTRY.format(reason="key schema change RB-7"))
    platform = load_platform(config_copy)
    (entry,) = platform.reviewed_replacements("prod")
    assert (entry.resource, entry.change) == ("prod-trading-orders", "0123456789ab")
    assert platform.reviewed_replacements("staging") == ()


def test_an_absent_file_is_no_reviewed_replacement(config_copy: Path) -> None:
    (config_copy / REPLACEMENTS_FILE).unlink()
    assert load_platform(config_copy).replacements == ()


@pytest.mark.parametrize(
    ("text", "needle", "expected"),
    [
        (
            "allowed:\n" + ENTRY.replace("prod\n", "production\n", 1).format(reason="key schema change RB-7"),
            "environment: production",
            "allowed.0.environment: unknown environment 'production': expected one of dev, staging, prod",
        ),
        (
            "allowed:\n" + ENTRY.replace("0123456789ab", "abc").format(reason="key schema change RB-7"),
            "change: abc",
            "allowed.0.change: String should match pattern",
        ),
        ("allowed:\n" + ENTRY.format(reason="why"), "reason: why", "allowed.0.reason: String should have at least"),
        (
            "allowed:\n" + ENTRY.format(reason="key schema change RB-7") + "    approved: yes\n",
            "approved: yes",
            "allowed.0.approved: unknown key",
        ),
        (
            "allowed:\n" + ENTRY.format(reason="key schema change RB-7") * 2,
            None,
            "allowed.1: change 0123456789ab is listed twice",
        ),
    ],
)
def test_a_wrong_entry_is_one_issue_naming_file_line_and_key(
    config_copy: Path, text: str, needle: str | None, expected: str
) -> None:
    path = config_copy / REPLACEMENTS_FILE
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_platform(config_copy)
    (issue,) = error.value.issues
    assert expected in str(issue)
    assert issue.location.file == path
    if needle is not None:
        assert issue.location.line == line_of(path, needle)


def test_every_problem_of_an_entry_is_reported_in_one_run(config_copy: Path) -> None:
    path = config_copy / REPLACEMENTS_FILE
    path.write_text(
        "allowed:\n" + ENTRY.replace("prod\n", "production\n", 1).replace("0123456789ab", "12345").format(reason="ok")
    )
    with pytest.raises(ConfigError) as error:
        load_platform(config_copy)
    assert sorted(issue.path for issue in error.value.issues) == [
        "allowed.0.change",
        "allowed.0.environment",
        "allowed.0.reason",
    ]
