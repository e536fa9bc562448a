"""Generated malformed configurations: every one is either valid or rejected
with located issues and exit code 1; none escapes as a traceback."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tests.conftest import CONFIG_DIR
from tradeinfra.cli import main
from tradeinfra.config.yaml_source import read_yaml

FILES = ["platform.yaml", "environments/dev.yaml", "environments/staging.yaml", "environments/prod.yaml"]
ORIGINAL = {name: read_yaml(CONFIG_DIR / name)[0] for name in FILES}
TEXTS = {name: (CONFIG_DIR / name).read_text() for name in FILES}

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(min_size=1, max_size=6), st.integers(), max_size=2),
)


def _containers(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [at] if isinstance(node, dict | list) and node else []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        found += _containers(child, (*at, key))
    return found


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


@st.composite
def broken_tree(draw: st.DrawFn, data: Any) -> Any:
    """A copy of `data` with one value replaced, one key removed, or one key added."""
    import copy

    tree = copy.deepcopy(data)
    parent = _get(tree, draw(st.sampled_from(_containers(tree))))
    keys = list(parent) if isinstance(parent, dict) else list(range(len(parent)))
    key = draw(st.sampled_from(keys))
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        parent[key] = draw(junk)
    elif action == "delete":
        del parent[key]
    elif isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=8))] = draw(junk)
    else:
        parent.append(draw(junk))
    return tree


@st.composite
def broken_text(draw: st.DrawFn, text: str) -> str:
    """The file's text with characters inserted, a line duplicated, or cut short."""
    action = draw(st.sampled_from(["insert", "duplicate", "truncate", "empty"]))
    if action == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.text(alphabet=":-[]{}&*!|>'\"%@` \n\t#", min_size=1, max_size=4)) + text[at:]
    lines = text.splitlines(keepends=True)
    index = draw(st.integers(0, len(lines) - 1))
    if action == "duplicate":
        return "".join([*lines[: index + 1], lines[index], *lines[index + 1 :]])
    if action == "truncate":
        return "".join(lines[:index])
    return ""


def _write(directory: Path, name: str, data: Any) -> None:
    yaml = YAML(typ="safe")
    with (directory / name).open("w", encoding="utf-8") as handle:
        yaml.dump(data, handle)


@st.composite
def malformed_config(draw: st.DrawFn) -> tuple[str, Any, str | None]:
    name = draw(st.sampled_from(FILES))
    if draw(st.booleans()):
        return name, draw(broken_tree(ORIGINAL[name])), None
    return name, None, draw(broken_text(TEXTS[name]))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed_config())
def test_malformed_configurations_never_escape(case: tuple[str, Any, str | None]) -> None:
    name, tree, text = case
    with tempfile.TemporaryDirectory() as scratch:
        config_dir = Path(scratch) / "config"
        (config_dir / "environments").mkdir(parents=True)
        for other, original in TEXTS.items():
            (config_dir / other).write_text(original, encoding="utf-8")
        if tree is not None:
            _write(config_dir, name, tree)
        else:
            (config_dir / name).write_text(text or "", encoding="utf-8")

        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["config", "validate", "--config-dir", str(config_dir)])

    assert code in (0, 1), stderr.getvalue()
    assert "Traceback" not in stderr.getvalue()
    if code == 1:
        header, *issues = stderr.getvalue().splitlines()
        assert header.startswith("error: invalid configuration")
        assert issues, "no issue listed"
        for line in issues:
            # file[:line]: [key path: ]what was expected
            assert line.startswith(f"  {config_dir}"), line
            assert len(line.split(": ")) >= 2, line
