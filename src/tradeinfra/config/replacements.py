"""Reviewed stateful replacements (`config/replacements.yaml`).

A deployment refuses to replace or remove a resource that holds data unless
it is acknowledged. From a workstation that is `--allow-replace NAME`; the
delivery pipeline takes no arguments, so a release that must replace one
carries its acknowledgment in this file, reviewed with the change itself.

Each entry is bound to one planned change, not to a resource forever: it
names the environment, the resource, and the change's fingerprint
(`tradeinfra plan` prints it beside the finding). The fingerprint covers
what is replaced, why, and the values before and after, so a different
replacement of the same resource later, or the same one against an
environment that changed meanwhile, is refused again. Once deployed the
entry matches nothing, and `plan` says so: remove it in a later change.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from tradeinfra.config.issues import ConfigIssue, describe, located
from tradeinfra.config.yaml_source import Location, YamlSourceError, read_yaml

REPLACEMENTS_FILE = "replacements.yaml"
FINGERPRINT_PATTERN = r"^[0-9a-f]{12}$"


class ReviewedReplacement(BaseModel):
    """One stateful replacement or removal a reviewed release may make."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    environment: str = Field(description="The environment it is allowed in, e.g. prod.")
    resource: str = Field(
        min_length=1, description="The resource as `tradeinfra plan` names it: physical name, logical ID or address."
    )
    change: str = Field(
        pattern=FINGERPRINT_PATTERN,
        description="The fingerprint `tradeinfra plan` shows for this replacement (12 hex digits).",
    )
    reason: str = Field(
        min_length=10, description="Why the data may be lost, or where it is migrated to (a runbook, a ticket)."
    )

    @field_validator("environment")
    @classmethod
    def _known(cls, environment: str, info: ValidationInfo) -> str:
        # Checked with the entry's other fields, so one run reports them all.
        known = (info.context or {}).get("environments")
        if known is not None and environment not in known:
            raise ValueError(f"unknown environment {environment!r}: expected one of {', '.join(known)}")
        return environment

    def recorded(self) -> str:
        """How a version records it, beside the `--allow-replace` names."""
        return f"{self.resource} (reviewed change {self.change}: {self.reason})"


class ReplacementsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allowed: list[ReviewedReplacement] = Field(
        default_factory=list, description="Stateful replacements reviewed with this change, one per resource."
    )


def read_replacements(
    config_dir: Path, environments: list[str]
) -> tuple[tuple[ReviewedReplacement, ...], list[ConfigIssue]]:
    """The file's entries (none when it is absent), and its problems."""
    path = config_dir / REPLACEMENTS_FILE
    if not path.exists():
        return (), []
    try:
        data, provenance = read_yaml(path)
    except YamlSourceError as exc:
        return (), [ConfigIssue(exc.location, "", exc.message)]
    start = Location(path, 1)
    try:
        parsed = ReplacementsFile.model_validate(
            data if data is not None else {}, context={"environments": environments}
        )
    except ValidationError as exc:
        return (), [
            ConfigIssue(located(keys, provenance, start), ".".join(keys), describe(error))
            for error in exc.errors()
            for keys in [tuple(str(part) for part in error["loc"])]
        ]
    issues = []
    seen: set[tuple[str, str]] = set()
    for index, entry in enumerate(parsed.allowed):
        at = ("allowed", str(index))
        if (entry.environment, entry.change) in seen:
            issues.append(
                ConfigIssue(located(at, provenance, start), ".".join(at), f"change {entry.change} is listed twice")
            )
        seen.add((entry.environment, entry.change))
    return tuple(parsed.allowed), issues
