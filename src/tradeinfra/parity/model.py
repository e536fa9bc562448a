"""Findings and the report of a parity run."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Finding:
    rule: str  # e.g. PAR001
    severity: Severity
    environments: tuple[str, ...]  # the environments that stand out
    stack: str  # CDK stack component (e.g. compute) or Terraform stack (web-tier)
    resource: str  # construct path, Terraform address or variable
    path: str  # property path
    values: dict[str, Any]  # environment -> value (normalized)
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "environments": list(self.environments),
            "stack": self.stack,
            "resource": self.resource,
            "path": self.path,
            "values": self.values,
            "message": self.message,
        }


@dataclass(frozen=True)
class ExplainedDifference:
    stack: str
    resource: str
    path: str
    setting: str  # the declared variation
    values: dict[str, Any]


@dataclass
class ParityReport:
    environments: list[str]
    findings: list[Finding] = field(default_factory=list)
    explained: list[ExplainedDifference] = field(default_factory=list)
    inventory: dict[str, dict[str, list[tuple[str, str]]]] = field(default_factory=dict)  # env -> stack -> (path, type)

    @property
    def consistent(self) -> bool:
        return not self.findings
