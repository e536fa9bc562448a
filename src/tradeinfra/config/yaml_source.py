"""Read a YAML file into plain Python data plus the line of every key.

ruamel.yaml composes the document into nodes that carry their position
(with its libyaml-based parser when ruamel.yaml.clib is installed: ~8x faster
than the round-trip loader); we build plain dicts, lists and YAML 1.2 scalars
from them, record where each key was written and refuse duplicate keys.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

KeyPath = tuple[str, ...]


@dataclass(frozen=True, order=True)
class Location:
    """Where a value was written: file and 1-based line (None when unknown)."""

    file: Path
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else str(self.file)


Provenance = dict[KeyPath, Location]


class YamlSourceError(Exception):
    """The file cannot be read as YAML; `location` says where."""

    def __init__(self, location: Location, message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message


# Bounds on what one configuration file may be: a FIFO, a device or a huge
# file never reaches the parser, and aliases cannot expand without end
# ("billion laughs") or refer to themselves.
MAX_FILE_BYTES = 1_000_000
MAX_VALUES = 100_000  # scalars, mappings and sequences after expanding aliases
MAX_DEPTH = 64
MAX_STRING = 4096
SHOWN = 80  # characters of a bad value an error repeats


def read_yaml(path: Path) -> tuple[Any, Provenance]:
    """Parse `path`; return its data as plain Python values and the location of every key."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise YamlSourceError(Location(path), "file not found") from None
    except OSError as exc:
        raise YamlSourceError(Location(path), f"cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise YamlSourceError(Location(path), "not a regular file (a directory, FIFO or device is never read)")
    if info.st_size > MAX_FILE_BYTES:
        raise YamlSourceError(
            Location(path), f"{info.st_size} bytes: larger than a configuration file can be ({MAX_FILE_BYTES})"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YamlSourceError(Location(path), "file not found") from None
    except UnicodeDecodeError as exc:
        raise YamlSourceError(Location(path), f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise YamlSourceError(Location(path), f"cannot read: {exc.strerror}") from None
    yaml = YAML(typ="safe")
    try:
        root = yaml.compose(text)
        provenance: Provenance = {}
        data = _Builder(yaml, path, provenance).build(root, ()) if root is not None else None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise YamlSourceError(Location(path, line), f"invalid YAML: {problem}") from None
    except YAMLError as exc:
        raise YamlSourceError(Location(path), f"invalid YAML: {' '.join(str(exc).split())}") from None
    return data, provenance


class _Builder:
    """Plain values from composed nodes, within the bounds above."""

    def __init__(self, yaml: YAML, path: Path, provenance: Provenance) -> None:
        self.yaml = yaml
        self.path = path
        self.provenance = provenance
        self.values = 0
        self.open: set[int] = set()  # nodes being built: an alias to one of them refers to itself

    def build(self, node: Node, at: KeyPath) -> Any:
        where = Location(self.path, node.start_mark.line + 1)
        self.values += 1
        if self.values > MAX_VALUES:
            raise YamlSourceError(where, f"more than {MAX_VALUES} values after expanding aliases: refusing to expand")
        if len(at) > MAX_DEPTH:
            raise YamlSourceError(where, f"{_path(at[:3])}...: nested deeper than {MAX_DEPTH} levels")
        if id(node) in self.open:
            raise YamlSourceError(where, f"{_path(at)}: an alias refers to itself")
        self.open.add(id(node))
        try:
            return self._value(node, at, where)
        finally:
            self.open.discard(id(node))

    def _value(self, node: Node, at: KeyPath, where: Location) -> Any:
        if isinstance(node, MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key_at = Location(self.path, key_node.start_mark.line + 1)
                key = self.build(key_node, at)
                if not isinstance(key, str):
                    raise YamlSourceError(key_at, f"{_path(at)}: key {key!r} must be a string")
                if ANY_CONTROL.search(key):
                    raise YamlSourceError(key_at, f"{_path(at)}: key {shown(key)}: control characters are not allowed")
                if key in result:
                    first = self.provenance[(*at, key)].line
                    raise YamlSourceError(
                        key_at, f"invalid YAML: duplicate key {'.'.join((*at, key))!r} (first on line {first})"
                    )
                self.provenance[(*at, key)] = key_at
                result[key] = self.build(value_node, (*at, key))
            return result
        if isinstance(node, SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.provenance[(*at, str(index))] = Location(self.path, item.start_mark.line + 1)
                items.append(self.build(item, (*at, str(index))))
            return items
        if isinstance(node, ScalarNode):
            # YAML 1.2 core schema: `yes`/`on` stay strings; dates stay dates,
            # which the models reject by type.
            value = self.yaml.constructor.construct_object(node)
            if isinstance(value, str):
                _check_text(value, at, where)
            return value
        raise YamlSourceError(where, f"unsupported YAML node {node.tag}")


# C0 and C1 controls, and the Unicode line and paragraph separators (U+0085,
# U+2028 and U+2029 break a line too: an error naming the key would split).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # in a value: tab and newline are text
ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # in a key: none


def _path(at: KeyPath) -> str:
    """A key path as an error shows it: on one line, whatever the keys hold."""
    joined = ".".join(at) or "top level"
    return ANY_CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", joined)


def _check_text(value: str, at: KeyPath, where: Location) -> None:
    """No control characters (tab and newline aside) and no value longer than
    a setting can be; the error repeats at most the first 80 characters."""
    name = _path(at)
    if len(value) > MAX_STRING:
        raise YamlSourceError(where, f"{name}: {len(value)} characters, at most {MAX_STRING}: {shown(value)}")
    bad = CONTROL.search(value)
    if bad:
        raise YamlSourceError(where, f"{name}: control character U+{ord(bad.group()):04X} in {shown(value)}")


def shown(value: str) -> str:
    """A value as an error repeats it: quoted, escaped, at most 80 characters."""
    return repr(value[:SHOWN]) + ("..." if len(value) > SHOWN else "")
