"""Outputs are never destructive: an output path of the wrong kind, or a
directory the tool did not write, is refused before any work, with one line
naming the option and the path, exit 1; nothing is replaced or left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CONFIG_DIR
from tradeinfra.cli import main


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("option", "make"),
    [
        ("--cdk-out", lambda p: p.write_text("my notes\n")),
        ("--cdktf-out", lambda p: p.write_text("my notes\n")),
        ("--tfvars-dir", lambda p: p.write_text("my notes\n")),
        ("--cdk-out", lambda p: (p.mkdir(), (p / "thesis.docx").write_text("years of work"))),
    ],
)
def test_synth_refuses_an_output_it_must_not_replace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, make: object
) -> None:
    target = tmp_path / "out"
    make(target)  # type: ignore[operator]
    before = snapshot(tmp_path)
    others = {"--cdk-out": tmp_path / "a", "--cdktf-out": tmp_path / "b", "--tfvars-dir": tmp_path / "c"}
    others[option] = target
    args = [arg for name, path in others.items() for arg in (name, str(path))]
    assert main(["synth", "--config-dir", str(CONFIG_DIR), *args]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"error: {option} {target}:") and "\n" not in error
    assert snapshot(tmp_path) == before  # nothing replaced, nothing written beside it
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize("command", ["report", "parity", "access"])
def test_an_output_file_that_is_a_directory_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    directory = tmp_path / "reports"
    directory.mkdir()
    (directory / "keep.txt").write_text("keep")
    before = snapshot(tmp_path)
    args = [command, "--config-dir", str(CONFIG_DIR), "--output", str(directory)]
    if command == "report":
        args += ["--state-dir", str(tmp_path / "state")]
    assert main(args) == 1
    error = capsys.readouterr().err.strip()
    assert error == f"error: --output {directory}: is a directory: give the path of a file to write"
    assert snapshot(tmp_path) == before


def test_an_output_under_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    assert main(["parity", "--config-dir", str(CONFIG_DIR), "--output", str(tmp_path / "file" / "r.html")]) == 1
    assert f"{tmp_path / 'file'} is not a directory" in capsys.readouterr().err


def test_a_state_dir_that_is_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    state.write_text("not a directory")
    assert main(["history", "--env", "dev", "--config-dir", str(CONFIG_DIR), "--state-dir", str(state)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"error: --state-dir {state}: exists and is not a directory: refusing to replace it"
    )
    assert state.read_text() == "not a directory"


def test_a_synth_into_its_own_earlier_output_replaces_it(tmp_path: Path) -> None:
    """The refusal is only for what the tool did not write: its own output is replaced whole."""
    out = tmp_path / "cdktf.out"
    args = ["synth", "--config-dir", str(CONFIG_DIR), "--cdk-out", str(tmp_path / "cdk.out")]
    args += ["--cdktf-out", str(out), "--tfvars-dir", str(tmp_path / "terraform")]
    assert main(args) == 0
    (out / "stale.txt").write_text("from an older synth")
    assert main(args) == 0
    assert not (out / "stale.txt").exists() and (out / "manifest.json").is_file()
    assert not list(tmp_path.glob(".*partial*")) and not list(tmp_path.glob(".*old*"))


def test_a_synth_never_deletes_terraform_state_left_in_its_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`terraform apply` run by hand in cdktf.out/stacks/state-backend leaves
    the only record of the state bucket there: synth refuses to replace it."""
    out = tmp_path / "cdktf.out"
    args = ["synth", "--config-dir", str(CONFIG_DIR), "--cdk-out", str(tmp_path / "cdk.out")]
    args += ["--cdktf-out", str(out), "--tfvars-dir", str(tmp_path / "terraform")]
    assert main(args) == 0
    state = out / "stacks" / "state-backend" / "terraform.state-backend.tfstate"
    state.write_text('{"version": 4, "resources": ["the state bucket"]}')
    (out / "stacks" / "web-tier" / ".terraform").mkdir()
    (out / "stacks" / "web-tier" / ".terraform" / "terraform.tfstate").write_text("{}")  # backend settings only
    before = snapshot(tmp_path)
    assert main(args) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"error: --cdktf-out {out}: holds Terraform state ({state})") and "\n" not in error
    assert snapshot(tmp_path) == before
    state.unlink()
    assert main(args) == 0  # the provider's backend settings under .terraform/ are not state
