"""Take environment identity out of synthesized CloudFormation so that what
remains can be compared across environments.

- Resources are keyed by their construct path inside the stack (from the
  `aws:cdk:path` metadata), not by logical ID: CDK logical IDs of versions,
  deployments and stages embed content hashes or the stage name.
- Ref / GetAtt / DependsOn point at those paths instead of logical IDs.
- Strings lose the account ID, region, partition-specific ARNs stay as they
  are (every environment is in the `aws` partition), the environment name
  where it is a word of its own (`prod-trading-orders`, `/trading/prod/`,
  `DeploymentStage.prod`) or the prefix of a generated name (`proddata...`),
  asset hashes, and the web tier's name suffix where it ends a name.
- Template parameters (the references to other stacks' published values)
  are stack settings, so a stack reading another value in one environment
  is a difference.
- CDK bookkeeping (CDKMetadata, other metadata) is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ENV = "<env>"
ACCOUNT = "<account>"
REGION = "<region>"
HASH = "<hash>"
SUFFIX = "<suffix>"
ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
EXPORT_NAME = re.compile(r"ExportsOutput[A-Za-z0-9]+")


class Identity:
    """One environment's identity, and how to take it out of a string."""

    def __init__(self, environment: str, account: str, region: str, name_suffix: str | None = None) -> None:
        self.environment = environment
        self.account = account
        self.region = region
        self._word = re.compile(rf"(?<![A-Za-z0-9]){re.escape(environment)}(?![A-Za-z0-9])")
        self._generated: dict[str, re.Pattern[str]] = {}
        # The web tier's names end in the environment's suffix (`web-<env>-d4e1`);
        # the CDK app names them where it grants on them (the web-tier deployer).
        self._suffix = re.compile(rf"(?<=-){re.escape(name_suffix)}(?![A-Za-z0-9])") if name_suffix else None

    def scrub(self, text: str, component: str = "") -> str:
        if self._suffix is not None:
            text = self._suffix.sub(SUFFIX, text)
        if self.account in text:
            text = text.replace(self.account, ACCOUNT)
        if self.region in text:
            text = text.replace(self.region, REGION)
        if len(text) >= 64:
            text = ASSET_HASH.sub(HASH, text)
        if self.environment not in text:
            return text
        if component and self.environment + component in text:
            # Names CDK generates from the full construct path: the stage and
            # stack names run together, and the trailing hash covers both;
            # CDK may prefix them (AllowEventRule<env><stack>...).
            pattern = self._generated.get(component)
            if pattern is None:
                pattern = re.compile(
                    rf"{re.escape(self.environment + component)}([A-Za-z0-9]*?)[0-9A-F]{{8}}(?![A-Za-z0-9])"
                )
                self._generated[component] = pattern
            text = pattern.sub(rf"{ENV}{component}\1<id>", text)
        return self._word.sub(ENV, text)


@dataclass
class NormalizedResource:
    path: str  # construct path inside the stack, e.g. OrderProcessor/Resource
    logical_id: str
    type: str
    properties: dict[str, Any]  # dotted path -> canonical value: Properties.*, DeletionPolicy, DependsOn, ...


@dataclass
class NormalizedStack:
    component: str  # e.g. compute
    stack_name: str  # the real name, e.g. prod-trading-compute
    settings: dict[str, Any]  # stack-level: TerminationProtection, Description
    resources: dict[str, NormalizedResource] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> flattened output


def canonical(value: Any) -> Any:
    """Compare values by meaning: 512 == "512", True == "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return value


def construct_paths(template: dict[str, Any], identity: Identity, component: str) -> dict[str, str]:
    """logical ID -> normalized construct path (without the environment and stack prefix)."""
    paths: dict[str, str] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        raw = resource.get("Metadata", {}).get("aws:cdk:path")
        if not isinstance(raw, str):
            paths[logical_id] = logical_id
            continue
        parts = raw.split("/")[2:]  # drop "<env>/<component>"
        paths[logical_id] = identity.scrub("/".join(parts), component) or logical_id
    return paths


class _Flattener:
    """Normalizes and flattens in one walk: dotted path -> canonical leaf.
    Lists of scalars stay whole (as tuples); other lists are indexed."""

    def __init__(self, identity: Identity, component: str, paths: dict[str, str]) -> None:
        self._identity = identity
        self._component = component
        self._paths = paths

    def text(self, value: str) -> str:
        text = self._identity.scrub(value, self._component)
        return EXPORT_NAME.sub("ExportsOutput", text) if "ExportsOutput" in text else text

    def flatten(self, node: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self._walk(node, "", out)
        return out

    def _walk(self, node: Any, prefix: str, out: dict[str, Any]) -> None:
        if isinstance(node, str):
            out[prefix] = self.text(node)
        elif isinstance(node, dict):
            if not node:
                out[prefix] = "{}"
                return
            if len(node) == 1:
                ref = node.get("Ref")
                if isinstance(ref, str) and ref in self._paths:
                    out[f"{prefix}.Ref" if prefix else "Ref"] = self._paths[ref]
                    return
                attribute = node.get("Fn::GetAtt")
                if isinstance(attribute, list) and attribute and attribute[0] in self._paths:
                    out[f"{prefix}.Fn::GetAtt" if prefix else "Fn::GetAtt"] = (
                        self._paths[attribute[0]],
                        *attribute[1:],
                    )
                    return
            environment = self._identity.environment
            for key, item in node.items():
                if environment in key:
                    key = self._identity.scrub(key)
                self._walk(item, f"{prefix}.{key}" if prefix else key, out)
        elif isinstance(node, list):
            if any(isinstance(item, dict | list) for item in node):
                for index, item in enumerate(node):
                    self._walk(item, f"{prefix}.{index}", out)
            else:
                out[prefix] = tuple(self.text(i) if isinstance(i, str) else canonical(i) for i in node)
        else:
            out[prefix] = canonical(node)


def normalize_stack(
    template: dict[str, Any], identity: Identity, component: str, stack_name: str, termination_protection: bool
) -> NormalizedStack:
    paths = construct_paths(template, identity, component)
    flattener = _Flattener(identity, component, paths)
    description = template.get("Description")
    stack = NormalizedStack(
        component=component,
        stack_name=stack_name,
        settings={
            "TerminationProtection": canonical(termination_protection),
            "Description": flattener.text(description) if isinstance(description, str) else description,
        },
    )
    # Template parameters: what a stack reads from another stack of its
    # environment (Parameter Store) must be the same value in every environment.
    for key, declared in template.get("Parameters", {}).items():
        for field_path, value in flattener.flatten(declared).items():
            stack.settings[f"Parameters.{key}.{field_path}"] = value
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == "AWS::CDK::Metadata":
            continue
        body = {key: item for key, item in resource.items() if key not in ("Type", "Metadata", "DependsOn")}
        properties = {"Type": resource["Type"], **flattener.flatten(body)}
        depends_on = resource.get("DependsOn")
        if depends_on:
            targets = [depends_on] if isinstance(depends_on, str) else depends_on
            properties["DependsOn"] = tuple(sorted(paths.get(target, target) for target in targets))
        path = paths[logical_id]
        stack.resources[path] = NormalizedResource(path, logical_id, resource["Type"], properties)
    for name, output in template.get("Outputs", {}).items():
        flat = flattener.flatten({k: v for k, v in output.items() if k != "Export"})
        if name.startswith("ExportsOutput"):
            # CDK's cross-stack exports are named after hashed logical IDs: key them by what they export.
            name = "Export:" + repr(sorted(flat.items()))
        stack.outputs[name] = flat
    return stack
