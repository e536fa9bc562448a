"""The shape of the settings tree, read from the models: which dotted paths
are sections, which are settings (leaves), and how to flatten a resolved
configuration into `path -> value` rows."""

from __future__ import annotations

import types
from collections.abc import Iterator
from functools import cache
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from tradeinfra.config.models import Section, Settings

KeyPath = tuple[str, ...]


def _section_type(annotation: Any) -> type[Section] | None:
    """The Section class behind `annotation` (also inside `X | None`)."""
    if isinstance(annotation, type) and issubclass(annotation, Section):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        for arg in get_args(annotation):
            found = _section_type(arg)
            if found is not None:
                return found
    return None


@cache
def _tree() -> tuple[frozenset[KeyPath], frozenset[KeyPath]]:
    sections: set[KeyPath] = set()
    leaves: set[KeyPath] = set()

    def walk(model: type[BaseModel], at: KeyPath) -> None:
        for name, info in model.model_fields.items():
            path = (*at, name)
            child = _section_type(info.annotation)
            if child is None:
                leaves.add(path)
            else:
                sections.add(path)
                walk(child, path)

    walk(Settings, ())
    return frozenset(sections), frozenset(leaves)


def is_known_setting(path: KeyPath) -> bool:
    """True for a leaf setting such as ('compute', 'memory_mb')."""
    return path in _tree()[1]


def is_setting_path(path: KeyPath) -> bool:
    """True for a section, a leaf, or a key beneath a mapping-valued leaf."""
    sections, leaves = _tree()
    if path in sections:
        return True
    return any(path[:length] in leaves for length in range(len(path), 0, -1))


def flatten(data: Any, at: KeyPath = ()) -> Iterator[tuple[KeyPath, Any]]:
    """Rows of (path, value) for every leaf of a dumped config; lists stay whole."""
    if isinstance(data, dict) and data:
        for key, value in data.items():
            yield from flatten(value, (*at, key))
    else:
        yield at, data


def setting_paths() -> list[str]:
    """Every section and leaf as a dotted path, sorted."""
    sections, leaves = _tree()
    return sorted(".".join(path) for path in sections | leaves)
