"""What a validation check is, and the live view of an environment it reads.

Every check ends as passed, failed, or not emulated: on the emulator, what
moto does not implement is reported as such, never as passed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.ops.targets import Target


class Outcome(StrEnum):
    passed = "passed"
    failed = "failed"
    not_emulated = "not emulated"


@dataclass(frozen=True)
class Check:
    resource: str
    setting: str
    expected: str
    actual: str
    outcome: Outcome


@dataclass(frozen=True)
class ValidationReport:
    environment: str
    target: str
    checks: list[Check]

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.outcome is Outcome.failed]

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "target": self.target,
            "ok": self.ok,
            "checks": [{**asdict(c), "outcome": c.outcome.value} for c in self.checks],
        }


class Live:
    """The environment's resources as the target reports them."""

    def __init__(self, env: EnvironmentConfig, target: Target) -> None:
        self.env = env
        self.target = target
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.target.client(service, self.env)
        return self._clients[service]


def check(resource: str, setting: str, expected: object, actual: object) -> Check:
    outcome = Outcome.passed if same(expected, actual) else Outcome.failed
    return Check(resource, setting, show(expected), show(actual), outcome)


def not_emulated(resource: str, setting: str, expected: object) -> Check:
    return Check(resource, setting, show(expected), "-", Outcome.not_emulated)


def missing(resource: str, setting: str, expected: object, error: Exception) -> Check:
    return Check(resource, setting, show(expected), f"unreadable: {reason(error)}", Outcome.failed)


def same(expected: object, actual: object) -> bool:
    return expected == actual or show(expected) == show(actual)


def show(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return ", ".join(f"{key}={show(item)}" for key, item in value.items())
    return str(value)


def reason(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", type(error).__name__))
    return type(error).__name__
