"""The access gate over the real synthesized output: every contract holds,
and each unintended change to a permission is caught (exit 2) with the
workload it breaks named. Permissions are proven here, not on the emulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.infra.synthesized_copy import Output, Template
from tests.infra.tf.conftest import TfSynth
from tradeinfra.access.gate import AccessReport, Row, run_access
from tradeinfra.cli import main
from tradeinfra.config.loader import PlatformConfig

CONFIG_DIR = Path(__file__).resolve().parents[3] / "config"


def gate(output: Output, platform: PlatformConfig, environments: list[str] | None = None) -> AccessReport:
    return run_access(platform, CONFIG_DIR, output.cdk, output.cdktf, output.tfvars, environments)


def broken(report: AccessReport) -> list[Row]:
    return report.broken


@pytest.fixture(scope="module")
def real_report(cdk_out: Path, tf_synth: TfSynth, platform: PlatformConfig) -> AccessReport:
    return run_access(platform, CONFIG_DIR, cdk_out, tf_synth.out, tf_synth.tfvars)


def test_every_contract_holds_on_the_real_output(real_report: AccessReport) -> None:
    assert real_report.ok, "\n".join(f"{r.environment} {r.workload} {r.rule}: {r.details}" for r in real_report.broken)
    assert real_report.environments == ["dev", "staging", "prod"]


def test_the_real_output_is_checked_for_every_workload_and_kind(real_report: AccessReport) -> None:
    kinds = {(row.workload, row.kind) for row in real_report.rows}
    for workload in (
        "order-processor",
        "validator",
        "drift-detector",
        "web-instance",
        "web-tier-state",
        "pipeline-validate",
    ):
        assert (workload, "trust") in kinds and ((workload, "must") in kinds or (workload, "never") in kinds)
    assert ("(permission boundary)", "never") in kinds


def test_the_order_processor_may_use_the_table_key_as_dynamodb(real_report: AccessReport) -> None:
    (row,) = [
        r
        for r in real_report.rows
        if r.workload == "order-processor" and r.environment == "prod" and r.resources == ["orders-table-key"]
    ]
    assert row.holds and row.kind == "must"


def test_cli_exit_codes(cdk_out: Path, tf_synth: TfSynth, output: Output, capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--cdk-out", str(cdk_out), "--cdktf-out", str(tf_synth.out), "--tfvars-dir", str(tf_synth.tfvars)]
    assert main(["access", *common, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert main(["access", *common, "--env", "staging"]) == 0
    assert "in staging" in capsys.readouterr().out
    assert main(["access", *common, "--env", "qa"]) == 1
    assert "unknown environment 'qa'" in capsys.readouterr().err
    output.edit("dev", "compute", _drop_table_key_grant)
    mutated = ["--cdk-out", str(output.cdk), "--cdktf-out", str(output.cdktf), "--tfvars-dir", str(output.tfvars)]
    assert main(["access", *mutated, "--format", "markdown"]) == 2
    assert "**broken**" in capsys.readouterr().out


# -- mutations ---------------------------------------------------------------


def _statements(template: Template, policy_part: str) -> list[dict[str, Any]]:
    (policy,) = [
        r for lid, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Policy" and policy_part in lid
    ]
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _drop_table_key_grant(template: Template) -> None:
    statements = _statements(template, "OrderProcessorServiceRoleDefaultPolicy")
    keep = [s for s in statements if "TableKey" not in json.dumps(s.get("Resource"))]
    assert len(keep) == len(statements) - 1
    statements[:] = keep


def _validator_gets_dynamodb_everything(template: Template) -> None:
    _statements(template, "PostDeployValidatorRoleDefaultPolicy").append(
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}
    )


def _validator_trusts_another_step(template: Template) -> None:
    (role,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Role" and r["Properties"].get("RoleName", "").endswith("post-deploy-validator")
    ]
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    statement["Condition"]["ArnEquals"]["aws:PrincipalArn"] = "arn:aws:iam::444444444444:role/someone-else"


def _loosen_boundary(template: Template) -> None:
    (policy,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
        and r["Properties"]["ManagedPolicyName"].endswith("-trading-permissions-boundary")
    ]
    policy["Properties"]["PolicyDocument"]["Statement"].append({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})


def _drift_detector_reads_every_parameter(template: Template) -> None:
    _statements(template, "DriftDetectorFunctionServiceRoleDefaultPolicy").append(
        {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}
    )


@pytest.mark.parametrize(
    ("env", "component", "change", "workload", "resource"),
    [
        ("prod", "compute", _drop_table_key_grant, "order-processor", "orders-table-key"),
        ("staging", "security", _validator_gets_dynamodb_everything, "validator", "orders-table"),
        ("dev", "security", _validator_trusts_another_step, "validator", "pipeline-validate"),
        ("prod", "security", _loosen_boundary, "(permission boundary)", "validator-role"),
        ("dev", "monitoring", _drift_detector_reads_every_parameter, "drift-detector", "parameters-outside-platform"),
    ],
)
def test_cdk_mutation_breaks_the_named_contract(
    output: Output,
    platform: PlatformConfig,
    env: str,
    component: str,
    change: Callable[[Template], None],
    workload: str,
    resource: str,
) -> None:
    output.edit(env, component, change)
    report = gate(output, platform)
    assert not report.ok
    assert {(r.environment, r.workload) for r in report.broken} >= {(env, workload)}
    named = [r for r in report.broken if r.workload == workload and r.environment == env]
    assert any(resource in r.resources for r in named), [r.rule for r in named]
    assert all(r.environment == env for r in report.broken)  # only the mutated environment


def _state_role_loses_its_own_state(document: dict[str, Any]) -> None:
    statements = document["data"]["aws_iam_policy_document"]
    (permissions,) = [body for name, body in statements.items() if name.startswith("access_staging_permissions")]
    permissions["statement"] = [s for s in permissions["statement"] if s.get("sid") != "ReadWriteOwnState"]


def _state_role_reads_every_workspace(document: dict[str, Any]) -> None:
    statements = document["data"]["aws_iam_policy_document"]
    (permissions,) = [body for name, body in statements.items() if name.startswith("access_dev_permissions")]
    for statement in permissions["statement"]:
        if statement.get("sid") == "ReadWriteOwnState":
            statement["resources"] = [r.replace("/env/dev/*", "/*") for r in statement["resources"]]


def test_removing_the_state_grant_to_staging_is_caught(output: Output, platform: PlatformConfig) -> None:
    output.edit_terraform("state-backend", _state_role_loses_its_own_state)
    report = gate(output, platform)
    rows = [(r.environment, r.workload, r.resources) for r in report.broken]
    assert rows == [("staging", "web-tier-state", ["web-tier-state-object"])], rows


def test_one_environment_reading_anothers_state_is_caught(output: Output, platform: PlatformConfig) -> None:
    output.edit_terraform("state-backend", _state_role_reads_every_workspace)
    report = gate(output, platform)
    rows = {(r.environment, r.workload, r.kind, r.resource_environment) for r in report.broken}
    # ... and writing anywhere, it may also write the default workspace's state, which stays empty.
    others = {("dev", "web-tier-state", "never", "staging"), ("dev", "web-tier-state", "never", "prod")}
    assert rows == {*others, ("dev", "web-tier-state", "never", "dev")}


def _statements_of(document: dict[str, Any], policy: str) -> list[dict[str, Any]]:
    statements = document["data"]["aws_iam_policy_document"]
    (permissions,) = [body for name, body in statements.items() if name.startswith(policy)]
    return permissions["statement"]  # type: ignore[no-any-return]


def test_a_state_role_that_cannot_read_the_default_workspace_is_caught(
    output: Output, platform: PlatformConfig
) -> None:
    """terraform init reads the default workspace's state first; S3 answers
    403 to a role without a grant on it, and init fails, on AWS only."""

    def drop_default(document: dict[str, Any]) -> None:
        statements = _statements_of(document, "access_prod_permissions")
        statements[:] = [s for s in statements if s.get("sid") != "InitReadsTheDefaultWorkspace"]

    output.edit_terraform("state-backend", drop_default)
    rows = [(r.environment, r.workload, r.resources) for r in gate(output, platform).broken]
    assert rows == [("prod", "web-tier-state", ["default-workspace-state-object"])], rows


def test_a_state_reader_that_may_write_state_is_caught(output: Output, platform: PlatformConfig) -> None:
    def write_too(document: dict[str, Any]) -> None:
        for statement in _statements_of(document, "reader_dev_permissions"):
            if statement.get("sid") == "ReadOwnState":
                statement["actions"] = ["s3:GetObject", "s3:PutObject"]

    output.edit_terraform("state-backend", write_too)
    rows = {(r.environment, r.workload, r.kind) for r in gate(output, platform).broken}
    assert rows == {("dev", "web-tier-state-reader", "never")}, rows


def test_every_read_of_a_web_tier_plan_is_in_the_validators_contract() -> None:
    """The validator's grants for planning the web tier (the list the
    emulator test checks the provider's calls against) are each a `must`
    of its contract, so the gate proves every one of them."""
    from tradeinfra.access.contracts import load_contracts
    from tradeinfra.cdk.constructs.web_tier_plan_access import WEB_TIER_PLAN_READS

    contracted = {a for rule in load_contracts(CONFIG_DIR).workloads["validator"].must for a in rule.actions}
    assert set(WEB_TIER_PLAN_READS) - contracted == set()


def test_a_validation_step_that_cannot_assume_its_role_is_caught(output: Output, platform: PlatformConfig) -> None:
    def drop_assume(template: Template) -> None:
        policy = next(r for lid, r in template["Resources"].items() if lid.startswith("ValidateProdRoleDefaultPolicy"))
        policy["Properties"]["PolicyDocument"]["Statement"] = [
            s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Action"] != "sts:AssumeRole"
        ]

    output.edit_delivery(drop_assume)
    report = gate(output, platform, ["prod"])
    workloads = {(r.workload, r.kind) for r in report.broken}
    assert workloads == {("pipeline-validate", "must"), ("validator", "trust")}


def test_an_unresolvable_reference_is_a_finding_not_an_allow(output: Output, platform: PlatformConfig) -> None:
    def read_an_unpublished_value(template: Template) -> None:
        template["Parameters"]["DataTableArn"]["Default"] = "/trading/dev/data/no-such-value"

    output.edit("dev", "compute", read_an_unpublished_value)
    report = gate(output, platform, ["dev"])
    resolution = [r for r in report.broken if r.kind == "resolution"]
    assert resolution and "no-such-value" in resolution[0].details[0]
    assert any(r.workload == "order-processor" and r.kind == "must" for r in report.broken)


def test_a_role_without_a_contract_is_a_finding(output: Output, platform: PlatformConfig) -> None:
    def add_role(template: Template) -> None:
        template["Resources"]["StrayRole"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
                "PermissionsBoundary": "arn:aws:iam::111111111111:policy/dev-trading-permissions-boundary",
            },
            "Metadata": {"aws:cdk:path": "dev/data/StrayRole/Resource"},
        }

    output.edit("dev", "data", add_role)
    report = gate(output, platform, ["dev"])
    assert [(r.workload, r.resources) for r in report.broken] == [("(uncovered role)", ["data/StrayRole/Resource"])]
