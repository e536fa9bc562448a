"""One problem of the configuration: where it was written, which key, what
was expected. Every file under `config/` reports its problems this way."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tradeinfra.config.yaml_source import KeyPath, Location, Provenance
from tradeinfra.errors import TradeinfraError


@dataclass(frozen=True, order=True)
class ConfigIssue:
    """One problem: where it is, which key, what was expected."""

    location: Location
    path: str
    message: str
    environments: tuple[str, ...] = ()

    def __str__(self) -> str:
        path = self.path if self.path.isprintable() else repr(self.path)  # keys may hold newlines
        where = f"{self.location}: {path}: " if path else f"{self.location}: "
        envs = f" [{', '.join(self.environments)}]" if self.environments else ""
        return f"{where}{self.message}{envs}"


class ConfigError(TradeinfraError):
    """The configuration is invalid; `issues` lists every problem found."""

    def __init__(self, issues: Iterable[ConfigIssue]) -> None:
        self.issues = _merge_duplicates(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


def describe(error: Mapping[str, Any]) -> str:
    """A pydantic error as the one line a configuration issue shows."""
    kind = error["type"]
    if kind == "missing":
        return "missing: this setting is required"
    if kind == "extra_forbidden":
        return "unknown key: not defined in the configuration model"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind != "value_error" and not isinstance(error.get("input"), dict | list):
        message += f"; got {error.get('input')!r}"
    return message


def _merge_duplicates(issues: Iterable[ConfigIssue]) -> list[ConfigIssue]:
    """One issue per (location, path, message); environments are combined."""
    combined: dict[tuple[Location, str, str], set[str]] = {}
    for issue in issues:
        combined.setdefault((issue.location, issue.path, issue.message), set()).update(issue.environments)
    seen_paths: set[tuple[Location, str]] = set()
    result: list[ConfigIssue] = []
    for (location, path, message), envs in sorted(combined.items(), key=_sort_key):
        # An unknown override is also "extra" to the model: report it once.
        if (location, path) in seen_paths and message.startswith("unknown"):
            continue
        seen_paths.add((location, path))
        result.append(ConfigIssue(location, path, message, tuple(sorted(envs))))
    return result


def _sort_key(item: tuple[tuple[Location, str, str], set[str]]) -> tuple[str, int, str, str]:
    (location, path, message), _ = item
    return (str(location.file), location.line or 0, path, message)


def located(path: KeyPath, provenance: Provenance, fallback: Location) -> Location:
    """The line that set `path`, or its nearest ancestor's (a missing key is
    reported where its parent is)."""
    for length in range(len(path), 0, -1):
        if path[:length] in provenance:
            return provenance[path[:length]]
    return fallback
