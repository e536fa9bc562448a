"""What the access gate knows of the synthesized output: every role with its
policies and boundary, every resource's ARN and resource policy, by the
construct path that created it, per scope (an environment, or `tooling` for
the delivery pipeline and the Terraform state backend)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from tradeinfra.access.simulator import NamedPolicy

TOOLING = "tooling"


@dataclass
class Role:
    path: str  # e.g. compute/OrderProcessor/ServiceRole/Resource
    arn: str
    account: str
    trust: NamedPolicy | None
    identity_policies: list[NamedPolicy] = field(default_factory=list)
    boundary: NamedPolicy | None = None
    boundary_arn: str | None = None


@dataclass
class Scope:
    """One environment's (or the tooling account's) synthesized resources."""

    name: str
    account: str
    region: str
    roles: dict[str, Role] = field(default_factory=dict)  # construct path -> role
    arns: dict[str, str] = field(default_factory=dict)  # construct path -> ARN
    policies: dict[str, NamedPolicy] = field(default_factory=dict)  # resource ARN -> its resource policy
    managed_policies: dict[str, NamedPolicy] = field(default_factory=dict)  # policy ARN -> document
    problems: list[str] = field(default_factory=list)  # references that could not be resolved

    def resource_policy(self, arn: str) -> NamedPolicy | None:
        """The resource policy AWS evaluates for a request on `arn`: the
        resource's own, or for an S3 object, its bucket's."""
        if arn in self.policies:
            return self.policies[arn]
        if arn.startswith("arn:aws:s3:::") and "/" in arn:
            return self.policies.get(arn.split("/", 1)[0])
        return None


@dataclass
class Inventory:
    scopes: dict[str, Scope] = field(default_factory=dict)

    def add(self, scope: Scope) -> Scope:
        existing = self.scopes.get(scope.name)
        if existing is None:
            self.scopes[scope.name] = scope
            return scope
        existing.roles.update(scope.roles)
        existing.arns.update(scope.arns)
        existing.policies.update(scope.policies)
        existing.managed_policies.update(scope.managed_policies)
        existing.problems.extend(scope.problems)
        return existing


def aws_managed_policy(arn: str) -> NamedPolicy | None:
    """An AWS-managed policy's document (`arn:aws:iam::aws:policy/...`), from
    the snapshot moto maintains; None when it is not known."""
    name = arn.rsplit("/", 1)[-1]
    document = _aws_managed_policies().get(name)
    if document is None or ":iam::aws:policy/" not in arn:
        return None
    return NamedPolicy(f"aws-managed:{name}", document["Document"])


@cache
def _aws_managed_policies() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    data: dict[str, Any] = json.loads(aws_managed_policies_data)
    return data


def as_document(value: Any) -> dict[str, Any]:
    """A policy document given as an object or as JSON text."""
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, dict):
        raise ValueError(f"expected a policy document, got {type(value).__name__}")
    return value
