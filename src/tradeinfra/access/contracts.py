"""Access contracts (`config/access.yaml`): what each workload must be able to
do, and must never do, in terms of the platform's own resources.

Loading checks the file completely before anything is evaluated: every
workload and resource name is one the catalog knows, every action is one AWS
defines. Each mistake is one `file:line: key: problem` line, exit 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tradeinfra.access.catalog import RESOURCES, WORKLOADS
from tradeinfra.config.issues import located
from tradeinfra.config.yaml_source import Location, Provenance, YamlSourceError, read_yaml
from tradeinfra.errors import TradeinfraError

ACCESS_FILE = "access.yaml"
ACTION_PATTERN = r"^[a-z0-9-]+:[A-Za-z0-9]+$"


class Rule(BaseModel):
    """Actions on resources, each of which must be allowed (must) or must not be (never)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    actions: list[str] = Field(min_length=1, description="IAM actions, e.g. dynamodb:PutItem (no wildcards).")
    on: list[str] = Field(min_length=1, description="Resource names from the access catalog.")
    environments: Literal["same", "others"] = Field(
        "same", description="same: the workload's own environment; others: every other environment's resources."
    )
    context: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="Extra request context (e.g. s3:prefix, kms:ViaService); {region} {account} {env} are filled in.",
    )
    except_: list[str] = Field(
        default_factory=list, alias="except", description="Under everyone: workloads the rule does not apply to."
    )
    reason: str | None = Field(None, description="Why the rule exists, or why a workload is excepted.")

    @field_validator("actions")
    @classmethod
    def _action_form(cls, actions: list[str]) -> list[str]:
        import re

        for action in actions:
            if not re.fullmatch(ACTION_PATTERN, action):
                raise ValueError(f"action {action!r}: expected service:Action with no wildcard")
        return actions

    @field_validator("on", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class WorkloadContract(BaseModel):
    model_config = ConfigDict(extra="forbid")

    must: list[Rule] = Field(default_factory=list, description="What the workload must be able to do.")
    never: list[Rule] = Field(default_factory=list, description="What the workload must never be able to do.")


class AccessContracts(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid")

    workloads: dict[str, WorkloadContract] = Field(description="One contract per workload in the catalog.")
    everyone: WorkloadContract = Field(
        default_factory=WorkloadContract, description="Rules for every workload (never only), with exceptions."
    )
    boundary: WorkloadContract = Field(
        default_factory=WorkloadContract,
        description="What the environment's permission boundary forbids to any role, whatever it is granted (never only).",
    )


class ContractError(TradeinfraError):
    """The contract file is wrong: every problem, one line each."""


def load_contracts(config_dir: Path, *, check_actions: bool = True) -> AccessContracts:
    path = config_dir / ACCESS_FILE
    try:
        data, provenance = read_yaml(path)
    except YamlSourceError as exc:
        raise ContractError(f"{exc.location}: {exc.message}") from None
    try:
        contracts = AccessContracts.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise ContractError("\n".join(_pydantic_issue(path, provenance, error) for error in exc.errors())) from None
    issues = _name_issues(path, provenance, contracts)
    if check_actions and not issues:
        issues = _action_issues(path, provenance, contracts)
    if issues:
        raise ContractError("\n".join(issues))
    return contracts


def _pydantic_issue(path: Path, provenance: Provenance, error: Any) -> str:
    keys = tuple(str(part) for part in error["loc"])
    where = located(keys, provenance, Location(path, 1))
    return f"{where}: {'.'.join(keys) or 'top level'}: {error['msg']}"


def _rules(contracts: AccessContracts) -> list[tuple[tuple[str, ...], Rule]]:
    found: list[tuple[tuple[str, ...], Rule]] = []
    for name, contract in contracts.workloads.items():
        for kind in ("must", "never"):
            for index, rule in enumerate(getattr(contract, kind)):
                found.append((("workloads", name, kind, str(index)), rule))
    for section in ("everyone", "boundary"):
        for kind in ("must", "never"):
            for index, rule in enumerate(getattr(getattr(contracts, section), kind)):
                found.append(((section, kind, str(index)), rule))
    return found


def _name_issues(path: Path, provenance: Provenance, contracts: AccessContracts) -> list[str]:
    issues = []
    for name in contracts.workloads:
        if name not in WORKLOADS:
            issues.append(
                f"{_locate(path, provenance, ('workloads', name))}: workloads.{name}: unknown workload: "
                f"expected one of {', '.join(sorted(WORKLOADS))}"
            )
    missing = sorted(set(WORKLOADS) - set(contracts.workloads))
    if missing and not issues:  # a misspelt name is reported once, as unknown
        issues.append(
            f"{_locate(path, provenance, ('workloads',))}: workloads: no contract for {', '.join(missing)}: "
            "every workload the apps create needs one"
        )
    if contracts.everyone.must:
        issues.append(
            f"{_locate(path, provenance, ('everyone', 'must'))}: everyone.must: only never rules apply to everyone"
        )
    for keys, rule in _rules(contracts):
        for index, resource in enumerate(rule.on):
            if resource not in RESOURCES:
                where = _locate(path, provenance, (*keys, "on", str(index)))
                issues.append(
                    f"{where}: {'.'.join(keys)}.on: unknown resource {resource!r}: expected one of "
                    f"{', '.join(sorted(RESOURCES))}"
                )
        for index, excepted in enumerate(rule.except_):
            if excepted not in WORKLOADS:
                where = _locate(path, provenance, (*keys, "except", str(index)))
                issues.append(f"{where}: {'.'.join(keys)}.except: unknown workload {excepted!r}")
        if rule.except_ and keys[0] != "everyone":
            issues.append(
                f"{_locate(path, provenance, keys)}: {'.'.join(keys)}.except: only rules under everyone take except"
            )
    return issues


def _action_issues(path: Path, provenance: Provenance, contracts: AccessContracts) -> list[str]:
    from tradeinfra.access.simulator import unknown_actions

    rules = _rules(contracts)
    unknown = unknown_actions([action for _, rule in rules for action in rule.actions])
    issues = []
    for keys, rule in rules:
        for index, action in enumerate(rule.actions):
            if action in unknown:
                where = _locate(path, provenance, (*keys, "actions", str(index)))
                issues.append(
                    f"{where}: {'.'.join(keys)}.actions: unknown action {action!r}: not an action AWS defines"
                )
    return issues


def _locate(path: Path, provenance: Provenance, keys: tuple[str, ...]) -> Location:
    return located(keys, provenance, Location(path, 1))
