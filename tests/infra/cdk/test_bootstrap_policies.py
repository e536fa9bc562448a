"""What CloudFormation may do in each account (`tradeinfra bootstrap-policies`):
the services the account's own stacks declare and nothing else, IAM only on
its own roles and policies, and never a role without the project's boundary.
Checked against the synthesized stacks of the same account, and request by
request with the access gate's IAM simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tradeinfra.access.intrinsics import Resolver, StackScope
from tradeinfra.access.simulator import NamedPolicy, Simulation, simulate
from tradeinfra.cdk.bootstrap_policies import TOOLING, AccountScope, account_scopes, bootstrap_template, services_of
from tradeinfra.cli import main
from tradeinfra.config.loader import PlatformConfig

ACCOUNTS = ("dev", "staging", "prod", TOOLING)


@pytest.fixture(scope="module")
def scopes(platform: PlatformConfig) -> dict[str, AccountScope]:
    return account_scopes(platform)


@pytest.fixture(scope="module")
def templates(platform: PlatformConfig, scopes: dict[str, AccountScope]) -> dict[str, dict[str, Any]]:
    return {account: bootstrap_template(platform, account, scopes) for account in ACCOUNTS}


def _templates_of(cdk_out: Path, account: str) -> list[dict[str, Any]]:
    """The account's synthesized stacks, read from the session's cdk.out."""
    pattern = f"assembly-{account}/*.template.json" if account != TOOLING else "*.template.json"
    return [json.loads(path.read_text()) for path in sorted(cdk_out.glob(pattern))]


def _statements(template: dict[str, Any], logical_prefix: str) -> dict[str, dict[str, Any]]:
    (policy,) = [r for lid, r in template["Resources"].items() if lid.startswith(logical_prefix)]
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("account", ACCOUNTS)
def test_execution_policy_allows_exactly_the_services_of_the_accounts_stacks(
    templates: dict[str, dict[str, Any]], scopes: dict[str, AccountScope], cdk_out: Path, account: str
) -> None:
    declared = {r["Type"] for t in _templates_of(cdk_out, account) for r in t["Resources"].values()}
    services = services_of(declared)
    statements = _statements(templates[account], "ExecutionPolicy")
    regional = statements["TheServicesItsStacksDeclare"]
    assert sorted(_as_list(regional["Action"])) == sorted(
        f"{s}:*" for s in {*services, *scopes[account].services} if s != "iam"
    )
    assert set(services) <= set(scopes[account].services)
    assert "*" not in _as_list(regional["Action"]) and "iam:*" not in _as_list(regional["Action"])
    assert set(regional["Condition"]) == {"StringEquals"}
    assert set(regional["Condition"]["StringEquals"]) == {"aws:RequestedRegion"}
    regions = set(_as_list(regional["Condition"]["StringEquals"]["aws:RequestedRegion"]))
    assert regions == set(scopes[account].regions)
    iam = statements["RolesAndPoliciesNamedAfterItsStacks"]
    prefix = scopes[account].prefix
    assert all(json.dumps(resource).endswith(f'{prefix}-*"]]}}') for resource in iam["Resource"])


@pytest.mark.parametrize("account", ACCOUNTS)
def test_boundary_never_lets_a_deployment_create_an_unbounded_role_or_a_user(
    templates: dict[str, dict[str, Any]], scopes: dict[str, AccountScope], cdk_out: Path, account: str
) -> None:
    statements = _statements(templates[account], "Boundary")
    unbounded = statements["NoRoleWithoutTheProjectsBoundary"]
    assert unbounded["Effect"] == "Deny"
    assert set(_as_list(unbounded["Action"])) == {"iam:CreateRole", "iam:PutRolePermissionsBoundary"}
    allowed = json.dumps(unbounded["Condition"]["StringNotEquals"]["iam:PermissionsBoundary"])
    for name in scopes[account].boundaries:
        assert f"policy/{name}" in allowed
    never = statements["NeverUsersKeysOrUnbounding"]
    assert never["Effect"] == "Deny"
    assert {"iam:CreateUser", "iam:CreateAccessKey", "iam:DeleteRolePermissionsBoundary"} <= set(never["Action"])
    assert statements["NeverTheseTwoPolicies"]["Effect"] == "Deny"
    # every role the account's stacks create carries one of the allowed boundaries, so a
    # deployment through this bootstrap is not refused, and none escapes it
    managed = {
        lid: r["Properties"]["ManagedPolicyName"]
        for t in _templates_of(cdk_out, account)
        for lid, r in t["Resources"].items()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
    }
    roles = [
        r for t in _templates_of(cdk_out, account) for r in t["Resources"].values() if r["Type"] == "AWS::IAM::Role"
    ]
    assert roles
    for role in roles:
        boundary = json.dumps(role["Properties"]["PermissionsBoundary"])
        named = [name for name in scopes[account].boundaries if name in boundary]
        referenced = [managed[lid] for lid in managed if f'"{lid}"' in boundary]
        assert named or set(referenced) & set(scopes[account].boundaries), boundary


def test_cli_writes_the_template_and_refuses_an_unknown_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "dev-bootstrap.json"
    assert main(["bootstrap-policies", "--env", "dev", "--output", str(target)]) == 0
    written = json.loads(target.read_text())
    assert {r["Properties"]["ManagedPolicyName"] for r in written["Resources"].values()} == {
        "dev-trading-cfn-execution",
        "dev-trading-cfn-execution-boundary",
    }
    capsys.readouterr()
    assert main(["bootstrap-policies", "--env", "qa", "--output", str(tmp_path / "x.json")]) == 1
    assert capsys.readouterr().err.strip() == "error: --env qa: expected one of dev, staging, prod, tooling"
    assert not (tmp_path / "x.json").exists()


def _cfn_execution_role(template: dict[str, Any], scope: AccountScope) -> tuple[NamedPolicy, NamedPolicy]:
    """The execution policy and boundary as IAM evaluates them on the role
    `cdk bootstrap` creates: every intrinsic resolved."""
    stack = StackScope(f"{scope.prefix}-bootstrap-policies", scope.account, scope.region, template["Resources"])
    resolver = Resolver([stack])
    policies = {
        logical_id.rstrip("0123456789ABCDEF"): NamedPolicy(
            resource["Properties"]["ManagedPolicyName"],
            resolver.resolve(stack, resource["Properties"]["PolicyDocument"], logical_id),
        )
        for logical_id, resource in template["Resources"].items()
    }
    return policies["ExecutionPolicy"], policies["Boundary"]


def _requests(scope: AccountScope) -> list[tuple[bool, str, str, dict[str, str]]]:
    """(allowed?, action, resource, context) for CloudFormation in `scope`'s account."""
    iam = f"arn:aws:iam::{scope.account}"
    own_role, boundary = f"{iam}:role/{scope.prefix}-compute-ServiceRole-A1B2", f"{iam}:policy/{scope.boundaries[0]}"
    in_region = {"aws:RequestedRegion": scope.region}
    elsewhere = "eu-west-1" if scope.region != "eu-west-1" else "eu-central-1"
    if scope.prefix == "trading-pipeline":
        declared = (
            "codepipeline:CreatePipeline",
            f"arn:aws:codepipeline:{scope.region}:{scope.account}:trading-pipeline",
        )
    else:
        declared = (
            "dynamodb:CreateTable",
            f"arn:aws:dynamodb:{scope.region}:{scope.account}:table/{scope.prefix}-orders",
        )
    return [
        (True, "iam:CreateRole", own_role, {"iam:PermissionsBoundary": boundary}),
        (True, "iam:PassRole", own_role, {}),
        (True, *declared, in_region),
        (True, "ssm:GetParameters", f"arn:aws:ssm:{scope.region}:{scope.account}:parameter/trading/x", in_region),
        (False, "iam:CreateRole", own_role, {}),  # no boundary
        (False, "iam:CreateRole", own_role, {"iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess"}),
        (False, "iam:CreateRole", f"{iam}:role/another-teams-role", {"iam:PermissionsBoundary": boundary}),
        (False, "iam:DeleteRolePermissionsBoundary", own_role, {}),
        (False, "iam:CreateUser", f"{iam}:user/{scope.prefix}-someone", {}),
        (False, "iam:CreateAccessKey", f"{iam}:user/{scope.prefix}-someone", {}),
        (False, "iam:CreatePolicyVersion", f"{iam}:policy/{scope.execution_policy}", {}),
        (False, "iam:SetDefaultPolicyVersion", f"{iam}:policy/{scope.boundary}", {}),
        (False, declared[0], declared[1].replace(scope.region, elsewhere), {"aws:RequestedRegion": elsewhere}),
        (False, "redshift:CreateCluster", f"arn:aws:redshift:{scope.region}:{scope.account}:cluster:x", in_region),
        (False, "organizations:LeaveOrganization", "*", {}),
    ]


@pytest.mark.parametrize("account", ACCOUNTS)
def test_the_iam_simulator_lets_cloudformation_deploy_the_account_and_nothing_more(
    templates: dict[str, dict[str, Any]], scopes: dict[str, AccountScope], account: str
) -> None:
    """What `cdk bootstrap --cloudformation-execution-policies` and
    `--custom-permissions-boundary` give the CloudFormation execution role,
    proven with the access gate's IAM simulator: its own roles only with the
    project's boundary, the declared services in the declared region, no
    users or keys, and never the two policies themselves."""
    scope = scopes[account]
    execution, boundary = _cfn_execution_role(templates[account], scope)
    role = f"arn:aws:iam::{scope.account}:role/cdk-hnb659fds-cfn-exec-role-{scope.account}-{scope.region}"
    requests = _requests(scope)
    decisions = simulate(
        [
            Simulation(role, action, resource, scope.account, context, (execution,), boundary)
            for _, action, resource, context in requests
        ]
    )
    wrong = [
        f"{action} on {resource} {context}: {decision.decision}"
        for (allowed, action, resource, context), decision in zip(requests, decisions, strict=True)
        if decision.allowed != allowed
    ]
    assert wrong == []
