"""Read a YAML file into plain Python data plus the line of every key.

ruamel.yaml composes the document into nodes that carry their position
(with its libyaml-based parser when ruamel.yaml.clib is installed: ~8x faster
than the round-trip loader); we build plain dicts, lists and YAML 1.2 scalars
from them, record where each key was written and refuse duplicate keys.
"""

from __future__ import annotations

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


def read_yaml(path: Path) -> tuple[Any, Provenance]:
    """Parse `path`; return its data as plain Python values and the location of every key."""
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
        data = _build(root, yaml, path, (), provenance) if root is not None else None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise YamlSourceError(Location(path, line), f"invalid YAML: {problem}") from None
    except YAMLError as exc:
        raise YamlSourceError(Location(path), f"invalid YAML: {' '.join(str(exc).split())}") from None
    return data, provenance


def _build(node: Node, yaml: YAML, path: Path, at: KeyPath, provenance: Provenance) -> Any:
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            where = Location(path, key_node.start_mark.line + 1)
            key = _build(key_node, yaml, path, at, provenance)
            if not isinstance(key, str):
                raise YamlSourceError(where, f"{'.'.join(at) or 'top level'}: key {key!r} must be a string")
            if key in result:
                first = provenance[(*at, key)].line
                raise YamlSourceError(
                    where, f"invalid YAML: duplicate key {'.'.join((*at, key))!r} (first on line {first})"
                )
            provenance[(*at, key)] = where
            result[key] = _build(value_node, yaml, path, (*at, key), provenance)
        return result
    if isinstance(node, SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            provenance[(*at, str(index))] = Location(path, item.start_mark.line + 1)
            items.append(_build(item, yaml, path, (*at, str(index)), provenance))
        return items
    if isinstance(node, ScalarNode):
        # YAML 1.2 core schema: `yes`/`on` stay strings; dates stay dates,
        # which the models reject by type.
        return yaml.constructor.construct_object(node)
    raise YamlSourceError(Location(path, node.start_mark.line + 1), f"unsupported YAML node {node.tag}")
