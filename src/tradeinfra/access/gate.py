"""The access gate: every contract, in every environment, evaluated by the
IAM simulator over the synthesized output.

For each (workload, rule, environment) it builds the requests AWS would see
(the workload's role with its identity policies and boundary, the resource's
ARN and resource policy), sends them to the engine in one batch, and keeps a
row that holds or is broken, naming the deciding statement or the missing
grant. Roles the apps create that no workload names, and references that
cannot be resolved, are broken rows too.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tradeinfra.access.catalog import RESOURCES, WORKLOADS, Workload
from tradeinfra.access.cloudformation import scope_from_stacks
from tradeinfra.access.contracts import AccessContracts, Rule
from tradeinfra.access.inventory import TOOLING, Inventory, Role, Scope
from tradeinfra.access.simulator import Decision, NamedPolicy, Simulation, simulate
from tradeinfra.access.terraform import scope_from_terraform
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.errors import TradeinfraError
from tradeinfra.synthesized.cloud_assembly import read_assembly, read_delivery_stacks
from tradeinfra.synthesized.terraform import (
    LEDGER_STACK,
    STATE_BACKEND_STACK,
    WEB_TIER_STACK,
    read_stack,
    read_tfvars,
)

BOUNDARY_PATH = "security/PermissionsBoundaryPolicy/Resource"
BOUNDARY_WORKLOAD = "(permission boundary)"
# A role granted everything: what the boundary still forbids it is forbidden to every role.
ANY_GRANT = NamedPolicy(
    "(any grant: Allow * on *)",
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
)
PLACEHOLDER = re.compile(r"\{(env|tooling):([^{}]*(?:\{[A-Za-z]+\}[^{}]*)*)\}")


@dataclass
class Row:
    workload: str
    environment: str
    kind: str  # must | never | trust | coverage | resolution
    actions: list[str]
    resources: list[str]  # names (or construct paths for coverage/resolution rows)
    resource_environment: str
    holds: bool
    details: list[str] = field(default_factory=list)  # per failing action: decision and what decides it

    @property
    def rule(self) -> str:
        target = ", ".join(self.resources)
        where = "" if self.resource_environment == self.environment else f" in {self.resource_environment}"
        verb = {"must": "must", "never": "never", "trust": "assumable by"}.get(self.kind, self.kind)
        return f"{verb} {'|'.join(self.actions)} on {target}{where}" if self.actions else f"{verb}: {target}"


@dataclass
class AccessReport:
    rows: list[Row]
    environments: list[str]
    simulations: int

    @property
    def broken(self) -> list[Row]:
        return [row for row in self.rows if not row.holds]

    @property
    def ok(self) -> bool:
        return not self.broken


def build_inventory(platform: PlatformConfig, cdk_out: Path, cdktf_out: Path, tfvars_dir: Path) -> Inventory:
    inventory = Inventory()
    assembly = read_assembly(cdk_out)
    for name in platform.names:
        env = platform.environment(name)
        if name not in assembly:
            raise TradeinfraError(f"{cdk_out}: no stacks for {name}: run 'tradeinfra synth' for every environment")
        inventory.add(scope_from_stacks(name, env.account, env.region, assembly[name].values()))
        variables, _ = read_tfvars(tfvars_dir / f"{name}.tfvars")
        web = read_stack(cdktf_out, WEB_TIER_STACK)
        inventory.add(scope_from_terraform(name, env.account, env.region, web, variables))
    tooling_account = (
        platform.delivery.account if platform.delivery else platform.environment(platform.names[0]).account
    )
    tooling_region = platform.delivery.region if platform.delivery else platform.environment(platform.names[0]).region
    delivery = read_delivery_stacks(cdk_out)
    inventory.add(scope_from_stacks(TOOLING, tooling_account, tooling_region, delivery.values()))
    state = platform.environment(platform.names[0]).terraform_state
    for stack in (STATE_BACKEND_STACK, LEDGER_STACK):
        inventory.add(scope_from_terraform(TOOLING, tooling_account, state.region, read_stack(cdktf_out, stack), {}))
    return inventory


def run_gate(
    platform: PlatformConfig, contracts: AccessContracts, inventory: Inventory, environments: list[str]
) -> AccessReport:
    planned: list[tuple[Row, list[tuple[str, Simulation]]]] = []
    tooling = inventory.scopes[TOOLING]
    for env in environments:
        scope = inventory.scopes[env]
        for problem in scope.problems:
            planned.append((Row("(synthesized output)", env, "resolution", [], [problem], env, False, [problem]), []))
        planned.extend(_coverage_rows(env, scope, "env"))
        planned.extend(_boundary_ceiling_rows(env, scope, contracts, inventory, platform))
        for name, workload in WORKLOADS.items():
            role_scope = scope if workload.scope == "env" else tooling
            role = _find_role(role_scope, workload, env)
            rules = [("must", r) for r in contracts.workloads[name].must] + [
                ("never", r) for r in contracts.workloads[name].never
            ]
            rules += [("never", r) for r in contracts.everyone.never if name not in r.except_]
            if workload.present_when and not _is_set(platform.environment(env), workload.present_when):
                continue  # not created here; coverage would report it if it were
            if role is None:
                planned.append(
                    (
                        Row(
                            name,
                            env,
                            "resolution",
                            [],
                            [workload.path],
                            env,
                            False,
                            [f"no role at {workload.scope}:{_fill_path(workload.path, env)} in the synthesized output"],
                        ),
                        [],
                    )
                )
                continue
            planned.extend(_boundary_rows(name, env, role))
            planned.append(_trust_row(name, env, workload, role, inventory))
            for kind, rule in rules:
                planned.extend(_rule_rows(name, env, kind, rule, role, inventory, platform))
    for problem in tooling.problems:
        planned.append(
            (Row("(synthesized output)", TOOLING, "resolution", [], [problem], TOOLING, False, [problem]), [])
        )
    planned.extend(_coverage_rows(TOOLING, tooling, "tooling"))
    simulations = [simulation for _, pending in planned for _, simulation in pending]
    decisions = iter(simulate(simulations))
    rows = []
    for row, pending in planned:
        for label, _simulation in pending:
            decision = next(decisions)
            if not _satisfies(row.kind, decision):
                row.holds = False
                row.details.append(f"{label}: {_explain(row.kind, decision, _simulation)}")
        rows.append(row)
    return AccessReport(rows, environments, len(simulations))


def _satisfies(kind: str, decision: Decision) -> bool:
    if decision.decision == "Error":
        return False
    return decision.allowed if kind in ("must", "trust") else not decision.allowed


def _explain(kind: str, decision: Decision, simulation: Simulation) -> str:
    if decision.decision == "Error":
        return f"the simulator refused the request: {decision.error}"
    if decision.allowed:
        statements = [_statement(grant, simulation) for grant in decision.grants]
        return "Allowed by " + "; ".join(statements or ["(no statement named)"])
    reasons = []
    for denial in decision.denials:
        policy_type = denial.get("policyType")
        if denial.get("denialType") == "Explicit":
            reasons.append("explicitly denied by " + _statement(denial, simulation))
        elif policy_type == "identity":
            reasons.append("no identity policy statement allows it (missing grant)")
        elif policy_type in ("pb", "permissionBoundary"):
            name = simulation.boundary.name if simulation.boundary else "the permission boundary"
            reasons.append(f"the permission boundary {name} does not allow it")
        elif policy_type == "resource":
            name = simulation.resource_policy.name if simulation.resource_policy else "no resource policy"
            reasons.append(f"the resource policy ({name}) does not allow this principal")
        else:
            reasons.append(f"denied by the {policy_type} policy")
    return f"{decision.decision}: " + ("; ".join(reasons) or "no policy allows it")


def _statement(reason: dict[str, object], simulation: Simulation) -> str:
    kind = reason.get("policyType")
    index = reason.get("statementIndex")
    sid = reason.get("statementId")
    label = f"statement {index}" + (f" ({sid})" if sid else "")
    if kind == "resource":
        name = simulation.resource_policy.name if simulation.resource_policy else "resource policy"
        return f"{name} {label}"
    if kind == "pb":
        return f"boundary {reason.get('policyIdentifier')} {label}"
    return f"{reason.get('policyIdentifier', kind)} {label}"


def _fill_path(path: str, env: str) -> str:
    return path.replace("{env}", env).replace("{Env}", env.capitalize())


def _is_set(config: object, setting: str) -> bool:
    value: object = config
    for part in setting.split("."):
        value = getattr(value, part)
    return value is not None and value is not False


def _find_role(scope: Scope, workload: Workload, env: str) -> Role | None:
    pattern = _fill_path(workload.path, env)
    for path, role in scope.roles.items():
        if fnmatch.fnmatchcase(path, pattern):
            return role
    return None


def _coverage_rows(env: str, scope: Scope, kind: str) -> Iterable[tuple[Row, list[tuple[str, Simulation]]]]:
    """A role the apps create that no workload names has no contract: broken."""
    patterns = [_fill_path(w.path, name) for w in WORKLOADS.values() if w.scope == kind for name in (env, "*")]
    patterns += [w.path.replace("{env}", "*").replace("{Env}", "*") for w in WORKLOADS.values() if w.scope == kind]
    for path in scope.roles:
        if not any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns):
            detail = (
                f"role {path} has no access contract: add a workload for it to access/catalog.py and config/access.yaml"
            )
            yield Row("(uncovered role)", env, "coverage", [], [path], env, False, [detail]), []


def _boundary_ceiling_rows(
    env: str, scope: Scope, contracts: AccessContracts, inventory: Inventory, platform: PlatformConfig
) -> Iterable[tuple[Row, list[tuple[str, Simulation]]]]:
    """The boundary holds its `never` rules for a role granted everything, and
    every role the CDK app creates in the environment carries it."""
    boundary_arn = scope.arns.get(BOUNDARY_PATH)
    boundary = scope.managed_policies.get(boundary_arn) if boundary_arn else None
    if boundary is None or boundary_arn is None:
        detail = f"no permission boundary at {BOUNDARY_PATH} in the synthesized output"
        yield Row(BOUNDARY_WORKLOAD, env, "resolution", [], [BOUNDARY_PATH], env, False, [detail]), []
        return
    own_ceilings = {w.path: w.ceiling for w in WORKLOADS.values() if w.scope == "env" and w.ceiling}
    for path, role in scope.roles.items():
        ceiling = own_ceilings.get(path)
        expected = scope.arns.get(ceiling) if ceiling else boundary_arn
        if not path.startswith("web-tier/") and (expected is None or role.boundary_arn != expected):
            detail = (
                f"role {path} does not carry the permission boundary {expected or ceiling} (it has {role.boundary_arn})"
            )
            yield Row(BOUNDARY_WORKLOAD, env, "coverage", [], [path], env, False, [detail]), []
    anyone = Role(BOUNDARY_PATH, f"arn:aws:iam::{scope.account}:role/{env}-trading-any-role", scope.account, None)
    anyone.identity_policies, anyone.boundary, anyone.boundary_arn = [ANY_GRANT], boundary, boundary_arn
    for rule in contracts.boundary.never:
        yield from _rule_rows(BOUNDARY_WORKLOAD, env, "never", rule, anyone, inventory, platform)


def _boundary_rows(name: str, env: str, role: Role) -> Iterable[tuple[Row, list[tuple[str, Simulation]]]]:
    if role.boundary_arn is not None and role.boundary is None:
        detail = f"permission boundary {role.boundary_arn} is not in the synthesized output"
        yield Row(name, env, "resolution", [], [role.boundary_arn], env, False, [detail]), []


def _trust_row(
    name: str, env: str, workload: Workload, role: Role, inventory: Inventory
) -> tuple[Row, list[tuple[str, Simulation]]]:
    row = Row(name, env, "trust", ["sts:AssumeRole"], [], env, True)
    if role.trust is None:
        row.holds = False
        row.details.append(f"{role.path}: no trust policy found")
        return row, []
    context: dict[str, str | list[str]] = {"aws:SecureTransport": "true"}
    identity: tuple[NamedPolicy, ...] = ()
    boundary = None
    if workload.assumed_by_service:
        principal = workload.assumed_by_service
        row.resources = [principal]
        context |= {"aws:SourceAccount": role.account, "aws:PrincipalServiceName": principal}
    elif workload.assumed_by_workload:
        caller_workload = WORKLOADS[workload.assumed_by_workload]
        caller_scope = inventory.scopes[env if caller_workload.scope == "env" else TOOLING]
        caller = _find_role(caller_scope, caller_workload, env)
        row.resources = [workload.assumed_by_workload]
        if caller is None:
            row.holds = False
            row.details.append(f"no role for {workload.assumed_by_workload}")
            return row, []
        principal, identity, boundary = caller.arn, tuple(caller.identity_policies), caller.boundary
        context |= {"aws:PrincipalArn": caller.arn, "aws:PrincipalAccount": caller.account}
    else:
        account = inventory.scopes[env].account
        principal = f"arn:aws:iam::{account}:role/{env}-deployer"
        row.resources = [f"principals of the {env} account"]
        # The caller's own policy lives outside this output: grant it the
        # AssumeRole, so the simulation tests the trust policy alone.
        identity = (
            NamedPolicy(
                "(caller's own policy, outside the synthesized output)",
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role.arn}],
                },
            ),
        )
        context |= {"aws:PrincipalArn": principal, "aws:PrincipalAccount": account}
    simulation = Simulation(
        principal=principal,
        action="sts:AssumeRole",
        resource=role.arn,
        resource_account=role.account,
        context=context,
        identity_policies=identity,
        boundary=boundary,
        resource_policy=role.trust,
    )
    return row, [("sts:AssumeRole", simulation)]


def _rule_rows(
    name: str,
    env: str,
    kind: str,
    rule: Rule,
    role: Role,
    inventory: Inventory,
    platform: PlatformConfig,
) -> Iterable[tuple[Row, list[tuple[str, Simulation]]]]:
    targets = [env] if rule.environments == "same" else [other for other in platform.names if other != env]
    for target in targets:
        row = Row(name, env, kind, list(rule.actions), list(rule.on), target, True)
        pending: list[tuple[str, Simulation]] = []
        for resource_name in rule.on:
            try:
                arn = _resource_arn(resource_name, target, inventory)
            except KeyError as exc:
                row.holds = False
                row.details.append(f"{resource_name}: {exc.args[0]}")
                continue
            scope = (
                inventory.scopes[TOOLING]
                if RESOURCES[resource_name].in_tooling
                else _owning_scope(arn, target, inventory)
            )
            resource_policy = _resource_policy(resource_name, arn, scope, inventory)
            region = _arn_region(arn) or inventory.scopes[target].region
            values = {"region": region, "account": inventory.scopes[target].account, "env": target}
            context: dict[str, str | list[str]] = {
                "aws:PrincipalArn": role.arn,
                "aws:PrincipalAccount": role.account,
                "aws:RequestedRegion": region,
                "aws:SecureTransport": "true",
                **{key: _fill(value, values) for key, value in rule.context.items()},
            }
            for action in _actions_for(rule.actions, arn):
                pending.append(
                    (
                        f"{action} on {resource_name} ({arn})",
                        Simulation(
                            principal=role.arn,
                            action=action,
                            resource=arn,
                            resource_account=_arn_account(arn) or scope.account,
                            context=context,
                            identity_policies=tuple(role.identity_policies),
                            boundary=role.boundary,
                            resource_policy=resource_policy,
                        ),
                    )
                )
        yield row, pending


# An action's service prefix -> the service in the ARNs it acts on, where they differ.
ARN_SERVICE = {"sts": "iam"}


def _actions_for(actions: list[str], arn: str) -> list[str]:
    """The rule's actions that act on this kind of resource: a rule may list
    actions of several services over resources of several services."""
    service = arn.split(":")[2] if arn.count(":") >= 2 else ""
    return [action for action in actions if ARN_SERVICE.get(action.split(":")[0], action.split(":")[0]) == service]


def _fill(value: str | list[str], values: dict[str, str]) -> str | list[str]:
    if isinstance(value, list):
        return [item.format(**values) for item in value]
    return value.format(**values)


def _resource_arn(name: str, env: str, inventory: Inventory) -> str:
    resource = RESOURCES[name]
    scope = inventory.scopes[env]
    tooling = inventory.scopes[TOOLING]

    def synthesized(match: re.Match[str]) -> str:
        where = scope if match[1] == "env" else tooling
        path = _fill_path(match[2], env)
        if path not in where.arns:
            raise KeyError(f"no resource at {match[1]}:{path} in the synthesized output")
        return where.arns[path]

    arn = PLACEHOLDER.sub(synthesized, resource.arn)
    return arn.format(
        account=scope.account,
        region=scope.region,
        env=env,
        tooling_account=tooling.account,
        tooling_region=tooling.region,
    )


def _owning_scope(arn: str, env: str, inventory: Inventory) -> Scope:
    account = _arn_account(arn)
    tooling = inventory.scopes[TOOLING]
    if account == tooling.account or (account is None and arn in tooling.policies):
        return tooling
    if arn.startswith("arn:aws:s3:::") and inventory.scopes[TOOLING].resource_policy(arn) is not None:
        return tooling
    return inventory.scopes[env]


def _resource_policy(name: str, arn: str, scope: Scope, inventory: Inventory) -> NamedPolicy | None:
    external = RESOURCES[name].external_policy
    if external is not None:
        import json

        text = json.dumps(external).replace("{tooling_account}", inventory.scopes[TOOLING].account)
        return NamedPolicy(f"{name} (as bootstrapped, outside the synthesized output)", json.loads(text))
    return scope.resource_policy(arn)


def _arn_account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else None


def _arn_region(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else None


def run_access(
    platform: PlatformConfig,
    config_dir: Path,
    cdk_out: Path,
    cdktf_out: Path,
    tfvars_dir: Path,
    environments: list[str] | None = None,
) -> AccessReport:
    """Load the contracts, read the synthesized output, evaluate every rule."""
    from tradeinfra.access.contracts import load_contracts

    contracts = load_contracts(config_dir)
    chosen = environments or platform.names
    for name in chosen:
        platform.environment(name)  # an unknown name is one clear error
    inventory = build_inventory(platform, cdk_out, cdktf_out, tfvars_dir)
    return run_gate(platform, contracts, inventory, chosen)
