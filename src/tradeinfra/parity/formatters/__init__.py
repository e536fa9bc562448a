"""Render a ParityReport: text (rich renderables), JSON, Markdown, HTML."""

from __future__ import annotations

from typing import Any


def display(value: Any) -> str:
    """A value as people write it in config: true/false, lists comma-separated, — for none."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(display(item) for item in value)
    return str(value)
