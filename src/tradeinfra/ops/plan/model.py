"""What a plan says: per resource the action and, for a modification or a
replacement, the properties that change; per app whether the target could
be planned faithfully. Nothing here talks to a target."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from tradeinfra.config.replacements import REPLACEMENTS_FILE, ReviewedReplacement


class Action(StrEnum):
    ADD = "add"
    MODIFY = "modify"
    REPLACE = "replace"
    REMOVE = "remove"


@dataclass(frozen=True)
class PropertyChange:
    path: str
    before: str
    after: str
    replaces: bool = False  # changing this property makes the resource a new one


@dataclass(frozen=True)
class ResourceChange:
    app: str  # cdk, tf
    container: str  # the stack, or web-tier/<workspace>
    address: str  # the logical ID, or the Terraform address
    resource_type: str
    action: Action
    physical_name: str = ""
    properties: tuple[PropertyChange, ...] = ()
    stateful: bool = False

    @property
    def loses_data(self) -> bool:
        """A replacement or removal of a resource that holds data: the guard's finding."""
        return self.stateful and self.action in (Action.REPLACE, Action.REMOVE)

    def names(self) -> set[str]:
        """What `--allow-replace` may name it by."""
        return {n for n in (self.address, self.physical_name, f"{self.container}/{self.address}") if n}

    @property
    def fingerprint(self) -> str:
        """This change and no other: where, what, and every property's values
        before and after. A reviewed allowance (config/replacements.yaml)
        names it, so it allows exactly the replacement that was reviewed."""
        described = [
            self.app,
            self.container,
            self.address,
            self.resource_type,
            self.action.value,
            sorted([p.path, p.before, p.after] for p in self.properties),
        ]
        return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class AppPlan:
    app: str
    changes: tuple[ResourceChange, ...] = ()
    # Why the list may not be what the target would do ("not emulated: ..."):
    # never read as "no changes".
    caveat: str = ""


@dataclass(frozen=True)
class Plan:
    environment: str
    target: str
    version: str  # what is planned: "this checkout (<commit>)" or a recorded version
    apps: tuple[AppPlan, ...]
    allowed: frozenset[str] = field(default_factory=frozenset)  # --allow-replace names
    reviewed: tuple[ReviewedReplacement, ...] = ()  # this environment's config/replacements.yaml entries
    # For a promotion: the declared variations, (setting, source value, this
    # environment's value): what the promotion does not carry over.
    variations: tuple[tuple[str, str, str], ...] = ()

    @property
    def changes(self) -> list[ResourceChange]:
        return [change for app in self.apps for change in app.changes]

    @property
    def findings(self) -> list[ResourceChange]:
        """Stateful replacements and removals nobody acknowledged."""
        return [c for c in self.changes if c.loses_data and not self.acknowledgment(c)]

    @property
    def acknowledged(self) -> list[ResourceChange]:
        return [c for c in self.changes if c.loses_data and self.acknowledgment(c)]

    def acknowledgment(self, change: ResourceChange) -> str:
        """How a stateful change was acknowledged ("" when it was not)."""
        if change.names() & self.allowed:
            return "--allow-replace"
        review = self._review_of(change)
        return f"reviewed: {review.reason}" if review else ""

    def _review_of(self, change: ResourceChange) -> ReviewedReplacement | None:
        matching = (r for r in self.reviewed if r.change == change.fingerprint and r.resource in change.names())
        return next(matching, None)

    @property
    def unused_allowances(self) -> list[str]:
        """`--allow-replace` names that match no stateful replacement (a typo allows nothing)."""
        named = set().union(*(c.names() for c in self.changes if c.loses_data)) if self.changes else set()
        return sorted(self.allowed - named)

    @property
    def unused_reviews(self) -> list[ReviewedReplacement]:
        """Reviewed allowances no planned change matches: deployed already, or
        the change is not the one reviewed (its fingerprint differs)."""
        used = [self._review_of(c) for c in self.changes if c.loses_data]
        return [r for r in self.reviewed if r not in used]

    @property
    def caveats(self) -> list[str]:
        return [f"{app.app}: {app.caveat}" for app in self.apps if app.caveat]


def counted(changes: Iterable[ResourceChange]) -> dict[str, int]:
    """How many of each action, in the order add, modify, replace, remove."""
    listed = list(changes)
    return {action.value: sum(1 for c in listed if c.action is action) for action in Action}


def refusal(plan: Plan) -> str:
    """The one message a deployment gives when the guard stops it."""
    named = "; ".join(_described(c) for c in plan.findings[:5])
    more = f" (and {len(plan.findings) - 5} more)" if len(plan.findings) > 5 else ""
    first = plan.findings[0]
    name = first.physical_name or first.address
    return (
        f"{plan.environment}: {len(plan.findings)} stateful resource(s) would be replaced or removed, their data "
        f"lost: {named}{more}; nothing of it was deployed. See 'tradeinfra plan --env {plan.environment}'; if it "
        f"is intended, run the command again with '--allow-replace {name}' (one per resource), or have it "
        f"reviewed with the change: add {{environment: {plan.environment}, resource: {name}, change: "
        f"{first.fingerprint}, reason: ...}} under 'allowed' in config/{REPLACEMENTS_FILE}"
    )


def _described(change: ResourceChange) -> str:
    why = [p.path for p in change.properties if p.replaces]
    return (
        f"{change.action.value} {change.resource_type} {change.physical_name or change.address} "
        f"({change.container}, change {change.fingerprint})" + (f" because of {', '.join(why)}" if why else "")
    )
