"""Reading the JSON files other tools wrote, with errors a user can act on."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tradeinfra.errors import TradeinfraError


def read_json_object(path: Path, kind: str, hint: str) -> dict[str, Any]:
    """The JSON object in `path`; a missing, unreadable or non-object file is
    a TradeinfraError naming the file, what it should be (`kind`) and what to do (`hint`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TradeinfraError(f"{path}: not found: {hint}") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise TradeinfraError(f"{path}: unreadable {kind} ({exc})") from None
    if not isinstance(data, dict):
        raise TradeinfraError(f"{path}: expected a JSON object ({kind})")
    return data


def write_text_atomically(target: Path, content: str) -> None:
    """Write `target` via a temporary sibling and a rename: readers never see
    half a file, and a failed write leaves nothing behind."""
    if target.is_dir():
        raise TradeinfraError(f"{target}: is a directory: give the path of a file to write")
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(content, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        raise TradeinfraError(f"{target}: cannot write ({exc.strerror or exc})") from None
    finally:
        tmp.unlink(missing_ok=True)


# What marks a directory as output the tool wrote before (and may replace):
# the manifest of a cloud assembly, or of cdktf's output.
OUTPUT_MARKER = "manifest.json"


def check_output_directory(path: Path, option: str, marker: str | None = OUTPUT_MARKER) -> None:
    """(`option`: the command-line option naming `path`, for the message.) Refuse, before any work, an output directory the tool must not
    replace: an existing path that is not a directory, or (with `marker`) a
    non-empty directory the tool did not write. Without `marker` the
    directory is written into, never replaced: any directory will do."""
    _check_parents(path, option)
    if not path.exists() and not path.is_symlink():
        return
    if not path.is_dir():
        raise TradeinfraError(f"{_named(option, path)}: exists and is not a directory: refusing to replace it")
    if marker is not None and not (path / marker).is_file() and any(path.iterdir()):
        raise TradeinfraError(
            f"{_named(option, path)}: a directory this tool did not write (no {marker}): refusing to replace it; "
            "give a new or empty directory"
        )
    if marker is not None:
        _check_holds_no_terraform_state(path, option)


def _check_holds_no_terraform_state(path: Path, option: str) -> None:
    """Terraform run by hand inside generated output (`terraform apply` in
    cdktf.out/stacks/<stack>) leaves its state there; replacing the output
    would delete it, and with it the record of what exists."""
    state = sorted(
        found
        for found in path.rglob("*.tfstate*")
        if found.is_file() and ".terraform" not in found.relative_to(path).parts
    )
    if state:
        raise TradeinfraError(
            f"{_named(option, path)}: holds Terraform state ({state[0]}): replacing the output would delete it; "
            "move it out of the generated output first (README: Terraform state), nothing was written"
        )


def check_output_file(path: Path, option: str) -> None:
    """Refuse, before any work, an output file path that is a directory or
    anything but a regular file, or lies under a file."""
    _check_parents(path, option)
    if path.is_dir():
        raise TradeinfraError(f"{_named(option, path)}: is a directory: give the path of a file to write")
    if path.exists() and not path.is_file():
        raise TradeinfraError(f"{_named(option, path)}: exists and is not a regular file: refusing to write to it")


def _named(option: str, path: Path) -> str:
    return f"{option} {path}" if option else str(path)


def _check_parents(path: Path, option: str) -> None:
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise TradeinfraError(f"{_named(option, path)}: {parent} is not a directory")
            return


@contextmanager
def replaced_directory(target: Path, marker: str = OUTPUT_MARKER) -> Iterator[Path]:
    """A scratch directory beside `target` that replaces it when the block
    succeeds; on failure `target` is untouched and the scratch is removed.
    An existing `target` must hold `marker` (written there by the tool)."""
    check_output_directory(target, "", marker)
    scratch = target.with_name(f".{target.name}.partial-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        yield scratch
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if target.exists():
            target.rename(old)
        scratch.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
