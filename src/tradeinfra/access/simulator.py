"""The bridge to the IAM simulator (`@cloud-copilot/iam-simulate`, npm).

The engine runs in its own Node process (`engine/simulate.cjs`), fed one JSON
batch of simulations on stdin; nothing of it is imported or bundled, so the
engine can be swapped behind `simulate()` (docs/decisions/0008-access-gate.md).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tradeinfra.errors import TradeinfraError

REPO_ROOT = Path(__file__).resolve().parents[3]
NODE_MODULES = REPO_ROOT / "node_modules"
BRIDGE = Path(__file__).with_name("engine") / "simulate.cjs"
ENGINE_PACKAGE = "@cloud-copilot/iam-simulate"

Policy = dict[str, Any]


@dataclass(frozen=True)
class NamedPolicy:
    name: str  # how a finding names it: "<stack>/<logical id>" or "aws-managed:<name>"
    document: Policy


@dataclass(frozen=True)
class Simulation:
    principal: str  # a role ARN, or a service principal such as lambda.amazonaws.com
    action: str
    resource: str  # a concrete ARN
    resource_account: str
    context: dict[str, str | list[str]] = field(default_factory=dict)
    identity_policies: tuple[NamedPolicy, ...] = ()
    boundary: NamedPolicy | None = None
    resource_policy: NamedPolicy | None = None

    def to_engine(self) -> dict[str, Any]:
        request: dict[str, Any] = {
            "request": {
                "principal": self.principal,
                "action": self.action,
                "resource": {"resource": self.resource, "accountId": self.resource_account},
                "contextVariables": self.context,
            },
            "identityPolicies": [{"name": p.name, "policy": p.document} for p in self.identity_policies],
        }
        if self.boundary is not None:
            request["permissionBoundaryPolicies"] = [{"name": self.boundary.name, "policy": self.boundary.document}]
        if self.resource_policy is not None:
            request["resourcePolicy"] = self.resource_policy.document
        return request


@dataclass(frozen=True)
class Decision:
    decision: str  # Allowed | ImplicitlyDenied | ExplicitlyDenied | Error
    grants: tuple[dict[str, Any], ...] = ()
    denials: tuple[dict[str, Any], ...] = ()
    error: str | None = None

    @property
    def allowed(self) -> bool:
        return self.decision == "Allowed"


class SimulatorUnavailableError(TradeinfraError):
    """Node or the simulator package is missing."""


def simulate(simulations: Sequence[Simulation], *, node_modules: Path = NODE_MODULES) -> list[Decision]:
    """One decision per simulation, in order, from one run of the engine."""
    if not simulations:
        return []
    results = _run_engine([s.to_engine() for s in simulations], node_modules)
    if len(results) != len(simulations):
        raise TradeinfraError(f"{BRIDGE}: {len(results)} results for {len(simulations)} simulations")
    return [
        Decision(
            decision=r["decision"],
            grants=tuple(r.get("grants") or ()),
            denials=tuple(r.get("denials") or ()),
            error=_error_text(r.get("error")),
        )
        for r in results
    ]


def unknown_actions(actions: Sequence[str], *, node_modules: Path = NODE_MODULES) -> set[str]:
    """The actions AWS does not define, by the engine's IAM data."""
    return set(_run_engine({"unknownActions": sorted(set(actions))}, node_modules)) if actions else set()


def _run_engine(payload: Any, node_modules: Path) -> Any:
    node = shutil.which("node")
    if node is None:
        raise SimulatorUnavailableError("node: not found on PATH: the access gate runs the IAM simulator with Node.js")
    if not (node_modules / ENGINE_PACKAGE).is_dir():
        raise SimulatorUnavailableError(
            f"{node_modules / ENGINE_PACKAGE}: not installed: run 'make install' (npm ci from package-lock.json)"
        )
    completed = subprocess.run(
        [node, str(BRIDGE)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env={"PATH": str(Path(node).parent), "TRADEINFRA_NODE_MODULES": str(node_modules)},
        check=False,
    )
    if completed.returncode != 0:
        raise TradeinfraError(f"{BRIDGE}: the IAM simulator failed: {completed.stderr.strip()[-2000:]}")
    return json.loads(completed.stdout)


def _error_text(error: Any) -> str | None:
    if not error:
        return None
    message = str(error.get("message", "invalid simulation"))
    details = {key: value for key, value in error.items() if key != "message" and value}
    return f"{message} {json.dumps(details, sort_keys=True)}" if details else message
