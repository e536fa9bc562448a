"""The CDK app's part of a plan: each synthesized stack of the environment
against the template deployed on the target (`GetTemplate`), resource by
resource. A property change replaces the resource where the AWS service
specification says so (`service_spec`), as `cdk diff` decides it.

Why not change sets: creating one for a stack that does not exist yet
creates the stack (REVIEW_IN_PROGRESS), so a plan would change the target;
one for an existing stack needs the version's assets published first; and
the emulator drops their details. The templates are what CloudFormation is
given, so comparing them plans exactly what `deploy` would hand it. A
reference to another stack's published value (an SSM-backed parameter) is
compared by value: the deployed template with what CloudFormation resolved
then, the new one with the parameter's value now, so a consumer that a
deployment would bring up to date shows the properties that change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tradeinfra.config.models import EnvironmentConfig
from tradeinfra.ops.differences import differences, show
from tradeinfra.ops.plan.model import Action, AppPlan, PropertyChange, ResourceChange
from tradeinfra.ops.plan.service_spec import replacing_properties
from tradeinfra.ops.plan.stateful import is_stateful
from tradeinfra.ops.references import consumed_references
from tradeinfra.ops.targets import Target

# Resource attributes beside Properties that a deployment changes too.
ATTRIBUTES = ("DeletionPolicy", "UpdateReplacePolicy")
# Properties that carry a resource's physical name, where it is set in the template.
NAME_PROPERTIES = ("TableName", "BucketName", "FunctionName", "QueueName", "LogGroupName", "TopicName", "Name")


def plan_stacks(assembly: Path, env: EnvironmentConfig, target: Target) -> AppPlan:
    from tradeinfra.synthesized.cloud_assembly import read_assembly

    cloudformation = target.client("cloudformation", env)
    synthesized = {s.stack_name: s.template for s in read_assembly(assembly).get(env.name, {}).values()}
    deployed = _deployed_stacks(cloudformation, env.name)
    references = consumed_references(cloudformation, target.client("ssm", env), env.name)
    changes: list[ResourceChange] = []
    uncreated: set[str] = set()  # types of changed resources the target never created
    for name in sorted(set(synthesized) | set(deployed)):
        before = _template(cloudformation, name) if name in deployed else {}
        physical = _physical_names(cloudformation, name) if name in deployed else {}
        mine = [r for r in references if r.consumer == name]
        before = _with_values(before, {r.key: r.deployed for r in mine})
        after = _with_values(synthesized.get(name, {}), {r.key: r.current for r in mine if r.current is not None})
        found = template_changes(name, before, after, physical)
        uncreated |= {c.resource_type for c in found if c.action is not Action.ADD and c.address not in physical}
        changes += found
    caveat = (
        f"not emulated: the emulator never created resources of {', '.join(sorted(uncreated))} that this plan "
        "changes; their changes are planned from the templates alone"
        if uncreated and target.is_local
        else ""
    )
    return AppPlan("cdk", tuple(changes), caveat)


def template_changes(
    stack: str, before: dict[str, Any], after: dict[str, Any], physical: dict[str, str] | None = None
) -> list[ResourceChange]:
    """Every resource `after` adds, modifies, replaces or removes against `before`."""
    old, new = before.get("Resources", {}), after.get("Resources", {})
    physical = physical or {}
    changes = []
    for logical in sorted(set(old) | set(new)):
        was, will = old.get(logical), new.get(logical)
        kind = str((will or was or {}).get("Type", "?"))
        name = physical.get(logical) or _named(will or was or {})
        if was is None:
            change = _change(stack, logical, kind, Action.ADD, name, ())
        elif will is None:
            change = _change(stack, logical, kind, Action.REMOVE, name, ())
        elif was.get("Type") != will.get("Type"):
            typed = PropertyChange("Type", str(was.get("Type")), str(will.get("Type")), replaces=True)
            change = _change(stack, logical, kind, Action.REPLACE, name, (typed,))
        else:
            properties = _property_changes(kind, was, will)
            if not properties:
                continue
            action = Action.REPLACE if any(p.replaces for p in properties) else Action.MODIFY
            change = _change(stack, logical, kind, action, name, properties)
        changes.append(change)
    return changes


def _property_changes(kind: str, was: dict[str, Any], will: dict[str, Any]) -> tuple[PropertyChange, ...]:
    replacing = replacing_properties(kind)
    found = [
        PropertyChange(f"Properties.{path}", show(old), show(new), path.split(".")[0].split("[")[0] in replacing)
        for path, old, new in differences(was.get("Properties", {}), will.get("Properties", {}))
    ]
    found += [
        PropertyChange(attribute, show(was.get(attribute)), show(will.get(attribute)))
        for attribute in ATTRIBUTES
        if was.get(attribute) != will.get(attribute)
    ]
    return tuple(found)


def _change(
    stack: str, logical: str, kind: str, action: Action, name: str, properties: tuple[PropertyChange, ...]
) -> ResourceChange:
    return ResourceChange("cdk", stack, logical, kind, action, name, properties, is_stateful(kind))


def _with_values(template: Any, values: dict[str, str]) -> Any:
    """`template` with each `Ref` to one of the parameters replaced by its value."""
    if not values:
        return template
    if isinstance(template, dict):
        if set(template) == {"Ref"} and template["Ref"] in values:
            return values[template["Ref"]]
        return {key: _with_values(item, values) for key, item in template.items()}
    if isinstance(template, list):
        return [_with_values(item, values) for item in template]
    return template


def _named(resource: dict[str, Any]) -> str:
    properties = resource.get("Properties", {})
    return next((properties[p] for p in NAME_PROPERTIES if isinstance(properties.get(p), str)), "")


def _deployed_stacks(cloudformation: Any, environment: str) -> set[str]:
    """The environment's stacks on the target, whether or not this version still has them."""
    prefix = f"{environment}-trading-"
    return {
        stack["StackName"]
        for page in cloudformation.get_paginator("describe_stacks").paginate()
        for stack in page["Stacks"]
        if stack["StackName"].startswith(prefix) and stack["StackStatus"] != "DELETE_COMPLETE"
    }


def _template(cloudformation: Any, stack: str) -> dict[str, Any]:
    body = cloudformation.get_template(StackName=stack)["TemplateBody"]
    return json.loads(body) if isinstance(body, str) else dict(body)


def _physical_names(cloudformation: Any, stack: str) -> dict[str, str]:
    return {
        resource["LogicalResourceId"]: resource.get("PhysicalResourceId", "")
        for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack)
        for resource in page["StackResourceSummaries"]
    }
