"""Bucket policies see requests as made over TLS (`aws:SecureTransport`):
the emulator listens on plain HTTP on loopback where AWS would be HTTPS, and
the platform's TLS-only bucket policies must not lock every client out. moto
also evaluates `Bool` conditions here (it treats operators it does not know as
always true, which turns a conditional Deny into a blanket one)."""

from __future__ import annotations

import importlib
import json
from typing import Any

REQUEST_CONTEXT = {"aws:SecureTransport": "true"}  # as over HTTPS on AWS


def _requests_count_as_tls() -> None:
    s3: Any = importlib.import_module("moto.s3.models")
    access_control: Any = importlib.import_module("moto.iam.access_control")
    conditions: Any = importlib.import_module("moto.iam.policy_conditions")

    def bool_equals(expected: list[str] | str, actual: str) -> bool:
        wanted = expected if isinstance(expected, list) else [expected]
        return str(actual).lower() in [str(value).lower() for value in wanted]

    conditions.CONDITION_OPERATIONS.setdefault("Bool", bool_equals)

    def holds(condition: dict[str, Any] | None) -> bool:
        return all(
            test.verify_condition([REQUEST_CONTEXT[key] for key in test.context_keys if key in REQUEST_CONTEXT])
            for test in conditions.TrustRelationShipConditions(condition or {})
        )

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return access_control.PermissionResult.NEUTRAL
        document = json.loads(self.policy.decode())
        statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
        # moto answers DENIED for any statement whose condition does not
        # hold, Deny or Allow; a Deny whose condition does not hold denies nothing.
        applicable = [s for s in statements if s.get("Effect") != "Deny" or holds(s.get("Condition"))]
        if not applicable:
            return access_control.PermissionResult.NEUTRAL
        policy = access_control.IAMPolicy(json.dumps({**document, "Statement": applicable}))
        return policy.is_action_permitted(action, resource, incoming_condition_values=REQUEST_CONTEXT)

    s3.FakeBucket.get_permission = get_permission


def apply() -> None:
    _requests_count_as_tls()
