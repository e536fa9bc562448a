"""Load `config/`: base values, per-environment overrides, the variations policy.

    config/platform.yaml            environments (promotion order), defaults, variations
    config/environments/<env>.yaml  account, region, overrides
    config/replacements.yaml        stateful replacements reviewed with the change (optional)

Each environment is the deep merge of `defaults` and its `overrides`,
validated once into an `EnvironmentConfig`. An override of a setting that
`variations` does not list is an error: only declared settings may differ.
Every problem found is reported with file, line and key path; loading either
returns a complete `PlatformConfig` or raises `ConfigError` listing them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tradeinfra.config.issues import ConfigError, ConfigIssue, describe, located
from tradeinfra.config.models import (
    ENVIRONMENT_NAME_PATTERN,
    DeliveryConfig,
    EnvironmentConfig,
    RuleViolationError,
    Settings,
    Variation,
)
from tradeinfra.config.replacements import ReviewedReplacement, read_replacements
from tradeinfra.config.settings_tree import is_known_setting, is_setting_path
from tradeinfra.config.yaml_source import KeyPath, Location, Provenance, YamlSourceError, read_yaml
from tradeinfra.errors import TradeinfraError

PLATFORM_FILE = "platform.yaml"
ENVIRONMENTS_DIR = "environments"
PLATFORM_KEYS = ("environments", "defaults", "variations", "delivery")
ENVIRONMENT_KEYS = ("account", "region", "overrides")


class UnknownEnvironmentError(TradeinfraError):
    """An environment name that the configuration does not define."""


@dataclass(frozen=True)
class PlatformConfig:
    """Every environment, resolved, in promotion order."""

    config_dir: Path
    environments: Mapping[str, EnvironmentConfig]
    variations: Mapping[str, Variation]
    provenance: Mapping[str, Provenance] = field(repr=False)
    delivery: DeliveryConfig | None = None  # None: no pipeline is configured
    # Stateful replacements reviewed with this change (replacements.yaml).
    replacements: tuple[ReviewedReplacement, ...] = ()

    @property
    def names(self) -> list[str]:
        return list(self.environments)

    def environment(self, name: str) -> EnvironmentConfig:
        try:
            return self.environments[name]
        except KeyError:
            raise UnknownEnvironmentError(
                f"unknown environment {name!r}: expected one of {', '.join(self.environments)} "
                f"(from {self.config_dir / PLATFORM_FILE})"
            ) from None

    def reviewed_replacements(self, name: str) -> tuple[ReviewedReplacement, ...]:
        return tuple(entry for entry in self.replacements if entry.environment == name)

    def is_declared_variation(self, path: str) -> bool:
        """True when `path` (dotted) is covered by a declared variation."""
        return any(_covers(declared, path) for declared in self.variations)


def load_platform(config_dir: Path) -> PlatformConfig:
    """Read and validate the whole configuration directory."""
    issues: list[ConfigIssue] = []
    platform_path = config_dir / PLATFORM_FILE
    if not config_dir.is_dir():
        raise ConfigError([ConfigIssue(Location(config_dir), "", "config directory not found")])
    platform, platform_prov = _read_mapping(platform_path, PLATFORM_KEYS, issues)
    if platform is None:
        raise ConfigError(issues)

    names = _environment_names(platform, platform_path, platform_prov, issues)
    defaults = _section(platform, "defaults", platform_path, platform_prov, issues)
    variations, declared = _variations(platform, platform_path, platform_prov, issues)
    _check_environment_files(config_dir, names, issues)

    resolved: dict[str, EnvironmentConfig] = {}
    provenance: dict[str, Provenance] = {}
    for name in names:
        env_path = config_dir / ENVIRONMENTS_DIR / f"{name}.yaml"
        document, env_prov = _read_mapping(env_path, ENVIRONMENT_KEYS, issues)
        if document is None:
            continue
        overrides = _section(document, "overrides", env_path, env_prov, issues, required=False)
        issues.extend(_undeclared_overrides(overrides, declared, env_prov))
        merged, merged_prov = _merge(
            defaults, _strip_prefix(platform_prov, "defaults"), overrides, _strip_prefix(env_prov, "overrides")
        )
        merged["name"] = name
        merged_prov[("name",)] = Location(env_path)
        for key in ("account", "region"):
            if key in document:
                merged[key] = document[key]
                merged_prov[(key,)] = env_prov[(key,)]
        try:
            resolved[name] = EnvironmentConfig.model_validate(merged)
        except ValidationError as exc:
            default_location = Location(env_path, 1)
            issues.extend(_validation_issues(exc, merged_prov, default_location, env_path, name))
        provenance[name] = merged_prov

    issues.extend(_distinct_accounts(resolved, provenance))
    delivery = _delivery(platform, names, resolved, platform_path, platform_prov, issues)
    replacements, replacement_issues = read_replacements(config_dir, names)
    issues.extend(replacement_issues)
    if issues:
        raise ConfigError(issues)
    return PlatformConfig(config_dir, resolved, variations, provenance, delivery, replacements)


# -- documents ---------------------------------------------------------------


def _read_mapping(
    path: Path, allowed: tuple[str, ...], issues: list[ConfigIssue]
) -> tuple[dict[str, Any] | None, Provenance]:
    try:
        data, provenance = read_yaml(path)
    except YamlSourceError as exc:
        issues.append(ConfigIssue(exc.location, "", exc.message))
        return None, {}
    if data is None:
        issues.append(
            ConfigIssue(Location(path), "", f"file is empty: expected a mapping with keys {', '.join(allowed)}")
        )
        return None, {}
    if not isinstance(data, dict):
        issues.append(
            ConfigIssue(Location(path, 1), "", f"expected a mapping with keys {', '.join(allowed)}, got {_kind(data)}")
        )
        return None, {}
    for key in data:
        if key not in allowed:
            issues.append(ConfigIssue(provenance[(key,)], key, f"unknown key: expected one of {', '.join(allowed)}"))
    return data, provenance


def _section(
    document: dict[str, Any],
    key: str,
    path: Path,
    provenance: Provenance,
    issues: list[ConfigIssue],
    *,
    required: bool = True,
) -> dict[str, Any]:
    value = document.get(key)
    if value is None:
        if required:
            issues.append(
                ConfigIssue(provenance.get((key,), Location(path, 1)), key, "missing: expected a mapping of settings")
            )
        return {}
    if not isinstance(value, dict):
        issues.append(ConfigIssue(provenance[(key,)], key, f"expected a mapping of settings, got {_kind(value)}"))
        return {}
    return value


def _environment_names(
    platform: dict[str, Any], path: Path, provenance: Provenance, issues: list[ConfigIssue]
) -> list[str]:
    names = platform.get("environments")
    location = provenance.get(("environments",), Location(path, 1))
    if not isinstance(names, list) or not names:
        issues.append(
            ConfigIssue(
                location,
                "environments",
                "expected a non-empty list of environment names in promotion order, e.g. [dev, staging, prod]",
            )
        )
        return []
    valid: list[str] = []
    pattern = ENVIRONMENT_NAME_PATTERN
    for index, name in enumerate(names):
        where = provenance.get(("environments", str(index)), location)
        if not isinstance(name, str) or not re.fullmatch(pattern, name):
            issues.append(
                ConfigIssue(
                    where, f"environments.{index}", f"expected an environment name matching {pattern}, got {name!r}"
                )
            )
        elif name in valid:
            issues.append(ConfigIssue(where, f"environments.{index}", f"environment {name!r} is listed twice"))
        else:
            valid.append(name)
    return valid


def _variations(
    platform: dict[str, Any], path: Path, provenance: Provenance, issues: list[ConfigIssue]
) -> tuple[dict[str, Variation], set[str]]:
    """Valid variations, and every declared setting path (also those whose
    body is invalid, so one bad reason does not cascade into override errors)."""
    raw = platform.get("variations")
    if raw is None:
        return {}, set()
    if not isinstance(raw, dict):
        issues.append(
            ConfigIssue(
                provenance[("variations",)],
                "variations",
                f"expected a mapping of setting path to {{reason: ...}}, got {_kind(raw)}",
            )
        )
        return {}, set()
    variations: dict[str, Variation] = {}
    declared: set[str] = set()
    for setting, body in raw.items():
        where = provenance[("variations", setting)]
        if not is_setting_path(tuple(setting.split("."))):
            issues.append(
                ConfigIssue(
                    where, f"variations.{setting}", "not a setting: expected a dotted path such as compute.memory_mb"
                )
            )
            continue
        declared.add(setting)
        try:
            variations[setting] = Variation.model_validate(body)
        except ValidationError as exc:
            for error in exc.errors():
                loc = ".".join(str(p) for p in error["loc"])
                issues.append(ConfigIssue(where, f"variations.{setting}" + (f".{loc}" if loc else ""), describe(error)))
    return variations, declared


def _delivery(
    platform: dict[str, Any],
    names: list[str],
    resolved: Mapping[str, EnvironmentConfig],
    path: Path,
    provenance: Provenance,
    issues: list[ConfigIssue],
) -> DeliveryConfig | None:
    if "delivery" not in platform:
        return None
    where = provenance[("delivery",)]
    try:
        delivery = DeliveryConfig.model_validate(platform["delivery"])
    except ValidationError as exc:
        for error in exc.errors():
            path_in = ("delivery", *(str(p) for p in error["loc"]))
            issues.append(ConfigIssue(_locate(path_in, provenance, where, path), ".".join(path_in), describe(error)))
        return None
    for index, name in enumerate(delivery.approval_before):
        if name not in names:
            issues.append(
                ConfigIssue(
                    provenance.get(("delivery", "approval_before", str(index)), where),
                    f"delivery.approval_before.{index}",
                    f"unknown environment {name!r}: expected one of {', '.join(names)}",
                )
            )
    for name, env in resolved.items():
        if env.account == delivery.account:
            issues.append(
                ConfigIssue(
                    provenance.get(("delivery", "account"), where),
                    "delivery.account",
                    f"account {delivery.account} is also the account of {name}: "
                    "the pipeline needs its own tooling account",
                )
            )
    return delivery


def _check_environment_files(config_dir: Path, names: list[str], issues: list[ConfigIssue]) -> None:
    env_dir = config_dir / ENVIRONMENTS_DIR
    present = sorted(env_dir.glob("*.yaml")) if env_dir.is_dir() else []
    for stray in present:
        if stray.stem not in names:
            issues.append(
                ConfigIssue(
                    Location(stray),
                    "",
                    f"environment {stray.stem!r} is not listed in {config_dir / PLATFORM_FILE} environments ({', '.join(names)})",
                )
            )


# -- the variations rule -------------------------------------------------------


def _leaf_paths(data: Mapping[str, Any], at: KeyPath = ()) -> Iterator[KeyPath]:
    for key, value in data.items():
        path = (*at, key)
        if isinstance(value, dict) and value and is_setting_path(path) and not is_known_setting(path):
            yield from _leaf_paths(value, path)
        else:
            yield path


def _undeclared_overrides(
    overrides: dict[str, Any], declared: set[str], provenance: Provenance
) -> Iterator[ConfigIssue]:
    for path in _leaf_paths(overrides):
        dotted = ".".join(path)
        where = provenance[("overrides", *path)]
        if not is_setting_path(path):
            yield ConfigIssue(where, dotted, "unknown setting: not defined in the configuration model")
        elif not any(_covers(variation, dotted) for variation in declared):
            yield ConfigIssue(
                where,
                dotted,
                "this setting must be identical in every environment: it is not listed in "
                "platform.yaml variations (declare it there with a reason, or remove the override)",
            )


def _covers(declared: str, path: str) -> bool:
    return path == declared or path.startswith(declared + ".")


# -- merging -----------------------------------------------------------------


def _strip_prefix(provenance: Provenance, prefix: str) -> Provenance:
    return {path[1:]: where for path, where in provenance.items() if path[:1] == (prefix,) and len(path) > 1}


def _merge(
    base: Mapping[str, Any], base_prov: Provenance, override: Mapping[str, Any], override_prov: Provenance
) -> tuple[dict[str, Any], Provenance]:
    """Deep-merge mappings; anything else in `override` replaces the base value."""
    merged = _deep_merge(base, override)
    provenance = dict(base_prov)
    for path, where in override_prov.items():
        if path in provenance and isinstance(_get(override, path), dict) and isinstance(_get(base, path), dict):
            continue  # a mapping merged into the base's: the base still defines it
        # The override replaces the base value at `path`: drop what it hides.
        for stale in [p for p in provenance if p[: len(path)] == path and p != path]:
            del provenance[stale]
        provenance[path] = where
    return merged, provenance


def _deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _get(data: Any, path: KeyPath) -> Any:
    for key in path:
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


# -- validation errors ------------------------------------------------------------


def _validation_issues(
    exc: ValidationError, provenance: Provenance, fallback: Location, env_file: Path, env: str
) -> Iterator[ConfigIssue]:
    for error in exc.errors():
        path = tuple(str(part) for part in error["loc"])
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, RuleViolationError):
            path = (*path, *cause.field.split("."))
        yield ConfigIssue(_locate(path, provenance, fallback, env_file), ".".join(path), describe(error), (env,))


def _locate(path: KeyPath, provenance: Provenance, fallback: Location, env_file: Path) -> Location:
    return located(path, provenance, fallback if fallback.file == env_file else Location(env_file))


def _distinct_accounts(
    resolved: Mapping[str, EnvironmentConfig], provenance: Mapping[str, Provenance]
) -> Iterator[ConfigIssue]:
    first_with: dict[str, str] = {}
    for name, env in resolved.items():
        if env.account in first_with:
            yield ConfigIssue(
                provenance[name][("account",)],
                "account",
                f"account {env.account} is already used by {first_with[env.account]}: "
                "each environment needs its own AWS account",
                (name,),
            )
        else:
            first_with[env.account] = name


def _kind(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


__all__ = [
    "ConfigError",
    "ConfigIssue",
    "PlatformConfig",
    "Settings",
    "UnknownEnvironmentError",
    "load_platform",
]
