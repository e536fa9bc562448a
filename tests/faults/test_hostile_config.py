"""Hostile or broken configuration files get one clear problem line naming
the file, the line and the key, exit 1, and never hang, recurse or echo a
huge value back: self-referring and exponentially expanding aliases, a FIFO
or directory where a file should be, control characters, over-long values,
a misspelt region, an option given twice."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CONFIG_DIR
from tradeinfra.cli import main

DEV = Path("environments") / "dev.yaml"


def appended(text: str) -> Callable[[Path], None]:
    def change(config: Path) -> None:
        with (config / DEV).open("a", encoding="utf-8") as file:
            file.write("\n" + text + "\n")

    return change


def replaced(old: str, new: str) -> Callable[[Path], None]:
    def change(config: Path) -> None:
        text = (config / DEV).read_text(encoding="utf-8")
        assert old in text
        (config / DEV).write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def a_fifo(config: Path) -> None:
    (config / DEV).unlink()
    os.mkfifo(config / DEV)


def a_directory(config: Path) -> None:
    (config / DEV).unlink()
    (config / DEV).mkdir()


LAUGHS = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n" for i in range(1, 9)
)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (appended("loop: &a [*a]"), "environments/dev.yaml:{line}: loop.0: an alias refers to itself"),
        (appended(LAUGHS), "values after expanding aliases: refusing to expand"),
        (a_fifo, "environments/dev.yaml: not a regular file"),
        (a_directory, "environments/dev.yaml: not a regular file"),
        (appended('notes: "a\\0b"'), "notes: control character U+0000 in 'a\\x00b'"),
        (appended("notes: " + "x" * 300_000), "notes: 300000 characters, at most 4096: 'xxxx"),
        (replaced("region: us-east-1", "region: us-est-1"), "region: 'us-est-1' is not an AWS region"),
    ],
    ids=["self-alias", "billion-laughs", "fifo", "directory", "nul", "huge-value", "misspelt-region"],
)
def test_hostile_configuration_is_one_clear_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Callable[[Path], None], expected: str
) -> None:
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    lines = len((config / DEV).read_text(encoding="utf-8").splitlines())
    change(config)
    assert main(["config", "validate", "--config-dir", str(config)]) == 1
    error = capsys.readouterr().err
    assert "Traceback" not in error
    problems = [line.strip() for line in error.splitlines()[1:] if line.strip()]
    assert len(problems) == 1, problems
    assert expected.format(line=lines + 2) in problems[0]
    assert len(problems[0]) < 400  # a huge value is never echoed whole


def test_a_single_value_option_given_twice_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show", "--env", "dev", "--env", "prod", "--config-dir", str(CONFIG_DIR)]) == 1
    assert capsys.readouterr().err.strip() == "error: --env is given 2 times (dev, prod): it takes one value"


def test_a_repeatable_option_may_repeat(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["access", "--env", "dev", "--env", "prod", "--config-dir", str(CONFIG_DIR), "--cdk-out", "/nonexistent"]
    assert main(args) == 1
    assert "given 2 times" not in capsys.readouterr().err  # it got past the check, to the missing assembly


def test_no_credentials_on_aws_is_one_line_before_any_work(tmp_path: Path) -> None:
    bare = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    bare |= {
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    tradeinfra = str(Path(sys.executable).parent / "tradeinfra")
    args = ["deploy", "--env", "dev", "--target", "aws", "--config-dir", str(CONFIG_DIR)]
    run = subprocess.run(
        [tradeinfra, *args, "--state-dir", str(tmp_path / "state")],
        cwd=tmp_path,
        env=bare,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert run.stderr.strip().startswith("error: --target aws: no AWS credentials found: set AWS_PROFILE")
    assert len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "state" / "deployments").exists() and not (tmp_path / "cdk.out").exists()


def test_a_missing_tool_is_named_before_any_work(monkeypatch: pytest.MonkeyPatch) -> None:
    from tradeinfra.ops import tools

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(tools, "terraform_binary", lambda env: None)
    with pytest.raises(tools.ToolError) as missing:
        tools.check_tools(["cdk", "tf"])
    message = str(missing.value)
    assert message.startswith("missing: node (Node.js 20") and "terraform (1.11: put it on PATH" in message
