"""The web tier's part of a plan: `terraform plan -out` on the environment's
workspace (the live state, refreshed; without taking the lock, as drift
does), read back with `terraform show -json`. Terraform says itself which
changes replace a resource (`actions` delete+create, `replace_paths`).

An environment with no workspace yet has nothing of the web tier: every
resource of the configuration is added, listed from it without running
Terraform (its data sources read the network the same deployment creates).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.ops.differences import VOLATILE_ATTRIBUTES, differences, show
from tradeinfra.ops.plan.model import Action, AppPlan, PropertyChange, ResourceChange
from tradeinfra.ops.plan.stateful import is_stateful
from tradeinfra.ops.targets import Target
from tradeinfra.ops.terraform_deploy import CONFIG_FILE, WEB_TIER, Workspace, existing_workspace
from tradeinfra.ops.tools import OnLine

ACTIONS = {
    ("create",): Action.ADD,
    ("update",): Action.MODIFY,
    ("delete",): Action.REMOVE,
    ("delete", "create"): Action.REPLACE,
    ("create", "delete"): Action.REPLACE,
}
# Attributes that carry a resource's physical name.
NAME_ATTRIBUTES = ("identifier", "name", "bucket", "function_name")
UNKNOWN = "(known after apply)"


def plan_web_tier(
    platform: PlatformConfig,
    env: EnvironmentConfig,
    target: Target,
    version_dir: Path,
    state_dir: Path,
    on_line: OnLine | None = None,
) -> AppPlan:
    workspace = existing_workspace(platform, env, target, version_dir, state_dir, on_line)
    container = f"{WEB_TIER}/{env.name}"
    if workspace is None:
        configuration = json.loads((version_dir / "cdktf.out" / "stacks" / WEB_TIER / CONFIG_FILE).read_text())
        return AppPlan("tf", tuple(configured_resources(configuration, container)))
    # Reads only: never blocks (or is blocked by) a deployment.
    return AppPlan("tf", tuple(saved_plan(workspace, "preview.tfplan", "-lock=false", container, on_line)))


def saved_plan(
    workspace: Workspace, name: str, lock: str, container: str, on_line: OnLine | None
) -> list[ResourceChange]:
    """`terraform plan -out=<name>` in `workspace`, read back: what applying
    that saved plan would change."""
    workspace.run(["plan", "-input=false", "-no-color", lock, f"-var-file={workspace.tfvars}", f"-out={name}"], on_line)
    shown = workspace.run(["show", "-json", "-no-color", name], None, stdout_only=True)
    return plan_changes(json.loads("\n".join(shown.output)), container)


def plan_changes(plan: dict[str, Any], container: str) -> list[ResourceChange]:
    """The resource changes of a saved plan (`terraform show -json`)."""
    changes = []
    for resource in plan.get("resource_changes", []):
        change = resource.get("change", {})
        action = ACTIONS.get(tuple(change.get("actions", ())))
        if action is None:  # no-op, read
            continue
        kind = resource.get("type", "")
        before, after = change.get("before") or {}, change.get("after") or {}
        properties = (
            _attribute_changes(kind, before, after, change.get("after_unknown") or {}, change.get("replace_paths"))
            if action in (Action.MODIFY, Action.REPLACE)
            else ()
        )
        if action is Action.MODIFY and not properties:
            continue  # only volatile attributes moved
        name = next((str(v) for a in NAME_ATTRIBUTES if isinstance(v := (before or after).get(a), str)), "")
        changes.append(
            ResourceChange(
                "tf", container, resource.get("address", "?"), kind, action, name, properties, is_stateful(kind)
            )
        )
    return changes


def _attribute_changes(
    kind: str, before: dict[str, Any], after: dict[str, Any], unknown: dict[str, Any], replace_paths: Any
) -> tuple[PropertyChange, ...]:
    replacing = {str(path[0]) for path in replace_paths or () if path}
    volatile = VOLATILE_ATTRIBUTES.get(kind, set())
    found = []
    for path, old, new in differences(before, _with_unknowns(after, unknown)):
        top = path.split(".")[0].split("[")[0]
        if top not in volatile:
            found.append(PropertyChange(path, show(old), show(new), top in replacing))
    return tuple(found)


def _with_unknowns(after: dict[str, Any], unknown: dict[str, Any]) -> dict[str, Any]:
    """`after`, with the attributes known only after apply marked as such."""
    marked = dict(after)
    for key, value in unknown.items():
        if value is True:
            marked[key] = UNKNOWN
    return marked


def configured_resources(configuration: dict[str, Any], container: str) -> list[ResourceChange]:
    """Every resource of a Terraform JSON configuration, as added."""
    return [
        ResourceChange(
            "tf",
            container,
            f"{kind}.{name}",
            kind,
            Action.ADD,
            next((v for a in NAME_ATTRIBUTES if isinstance(v := body.get(a), str) and "${" not in v), ""),
            (),
            is_stateful(kind),
        )
        for kind, resources in sorted(configuration.get("resource", {}).items())
        for name, body in sorted(resources.items())
    ]
