"""Properties every environment must have: encryption, no public access,
tags, the permission boundary on every role, naming, SSM per output,
compliance findings acknowledged with reasons."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.infra.cdk.conftest import Assembly
from tradeinfra.cdk.synth import unacknowledged_violations
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.tags import MANAGED_BY_CDK, mandatory_tags
from tradeinfra.parity.normalize import Identity
from tradeinfra.parity.rules.naming import NAME_PROPERTIES
from tradeinfra.parity.rules.naming import PATTERN as NAME_PATTERN

ENVS = ("dev", "staging", "prod")
# CloudFormation types the stacks create that accept tags; every one must carry them.
TAGGABLE = {
    "AWS::Lambda::Function", "AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::KMS::Key",
    "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", "AWS::EC2::SecurityGroup", "AWS::Logs::LogGroup",
    "AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage", "AWS::IAM::Role", "AWS::SSM::Parameter",
    "AWS::WAFv2::WebACL", "AWS::EC2::FlowLog", "AWS::EC2::InternetGateway", "AWS::EC2::RouteTable", "AWS::EC2::EIP",
}  # fmt: skip


def all_resources(assembly: Assembly, env: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (stack.stack_name, logical_id, resource)
        for stack in assembly[env].values()
        for logical_id, resource in stack.template.get("Resources", {}).items()
    ]


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    tags = resource.get("Properties", {}).get("Tags", {})
    if isinstance(tags, dict):  # SSM parameters take a map
        return tags
    return {tag["Key"]: tag["Value"] for tag in tags}


@pytest.mark.parametrize("env", ENVS)
def test_mandatory_tags_on_every_taggable_resource(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    expected = mandatory_tags(platform.environment(env), MANAGED_BY_CDK)
    checked = 0
    for stack, logical_id, resource in all_resources(assembly, env):
        if resource["Type"] in TAGGABLE:
            tags = tags_of(resource)
            missing = {k: v for k, v in expected.items() if tags.get(k) != v}
            assert not missing, f"{stack}/{logical_id} ({resource['Type']}) lacks tags {missing}"
            checked += 1
    assert checked > 40


@pytest.mark.parametrize("env", ENVS)
def test_every_role_has_the_environment_boundary(assembly: Assembly, env: str) -> None:
    """Every role but the web-tier deployer, which carries its own ceiling
    (its work is what the environment's boundary forbids)."""
    roles = [(s, lid, r) for s, lid, r in all_resources(assembly, env) if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) >= 4
    ceilings = []
    for stack, logical_id, role in roles:
        boundary = json.dumps(role["Properties"].get("PermissionsBoundary"))
        if role["Properties"].get("RoleName") == f"{env}-trading-web-tier-deployer":
            ceilings.append(boundary)
            continue
        assert f":policy/{env}-trading-permissions-boundary" in boundary, f"{stack}/{logical_id}: {boundary}"
    assert ceilings == ['{"Ref": "WebTierDeployerCeilingD46A15F4"}']


@pytest.mark.parametrize("env", ENVS)
def test_no_wildcard_actions_in_role_policies(assembly: Assembly, env: str) -> None:
    for stack, logical_id, resource in all_resources(assembly, env):
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert "*" not in actions and not any(a.endswith(":*") for a in actions), f"{stack}/{logical_id}"


@pytest.mark.parametrize("env", ENVS)
def test_encryption_at_rest(assembly: Assembly, env: str) -> None:
    for stack, logical_id, resource in all_resources(assembly, env):
        props, kind = resource.get("Properties", {}), resource["Type"]
        where = f"{stack}/{logical_id}"
        if kind == "AWS::S3::Bucket":
            assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], where
        elif kind == "AWS::SQS::Queue":
            assert "KmsMasterKeyId" in props, where
        elif kind == "AWS::DynamoDB::Table":
            assert props["SSESpecification"]["SSEEnabled"] is True, where
        elif kind == "AWS::Logs::LogGroup":
            assert "KmsKeyId" in props, where
        elif kind == "AWS::KMS::Key":
            assert props["EnableKeyRotation"] is True, where


@pytest.mark.parametrize("env", ENVS)
def test_no_public_buckets_and_tls_only(assembly: Assembly, env: str) -> None:
    policies = {
        json.dumps(r["Properties"]["Bucket"]): r["Properties"]["PolicyDocument"]
        for _, _, r in all_resources(assembly, env)
        if r["Type"] == "AWS::S3::BucketPolicy"
    }
    buckets = [(s, lid, r) for s, lid, r in all_resources(assembly, env) if r["Type"] == "AWS::S3::Bucket"]
    assert len(buckets) == 2
    for stack, logical_id, bucket in buckets:
        block = bucket["Properties"]["PublicAccessBlockConfiguration"]
        assert block == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, f"{stack}/{logical_id}"
        policy = policies[json.dumps({"Ref": logical_id})]
        assert any(
            s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
            for s in policy["Statement"]
        ), f"{stack}/{logical_id}: no TLS-only statement"


@pytest.mark.parametrize("env", ENVS)
def test_queues_deny_plain_http(assembly: Assembly, env: str) -> None:
    policies = [r for _, _, r in all_resources(assembly, env) if r["Type"] == "AWS::SQS::QueuePolicy"]
    assert policies
    for policy in policies:
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s) for s in statements)


@pytest.mark.parametrize("env", ENVS)
def test_physical_names_follow_the_pattern(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    config = platform.environment(env)
    identity = Identity(env, config.account, config.region)
    named = 0
    for stack, logical_id, resource in all_resources(assembly, env):
        prop = NAME_PROPERTIES.get(resource["Type"])
        if not prop:
            continue
        name = resource["Properties"].get(prop)
        if name is None:  # only CDK's own custom-resource provider goes unnamed
            assert logical_id.startswith("CustomVpcRestrictDefaultSGCustomResourceProvider"), f"{stack}/{logical_id}"
            continue
        assert isinstance(name, str) and NAME_PATTERN.match(identity.scrub(name)), f"{stack}/{logical_id}: {name}"
        named += 1
    assert named > 20


@pytest.mark.parametrize("env", ENVS)
def test_every_output_is_also_an_ssm_parameter(assembly: Assembly, env: str) -> None:
    for component, stack in assembly[env].items():
        parameters = {
            p["Properties"]["Name"]: p["Properties"]["Value"] for p in stack.resources("AWS::SSM::Parameter").values()
        }
        outputs = {
            name: output
            for name, output in stack.template.get("Outputs", {}).items()
            # exports kept for consumers deployed by an earlier release (CDK's reserved prefix)
            if not name.startswith("ExportsOutput")
        }
        assert outputs, stack.stack_name
        published = [p for p in parameters if p.startswith(f"/trading/{env}/{component}/")]
        assert len(published) == len(outputs), f"{stack.stack_name}: {sorted(outputs)} vs {published}"
        values = [json.dumps(parameters[p], sort_keys=True) for p in published]
        for name, output in outputs.items():
            assert json.dumps(output["Value"], sort_keys=True) in values, f"{stack.stack_name}: output {name}"


def test_no_unacknowledged_compliance_findings(cdk_out: Path) -> None:
    assert unacknowledged_violations(cdk_out / "validation-report.json") == []


def _acknowledgments(cdk_out: Path, platform: PlatformConfig) -> dict[str, set[tuple[str, str, str]]]:
    """(rule, construct path, reason) per environment, with the environment's
    identity (name, account, region, web-tier suffix) taken out of rule and path."""
    report = json.loads((cdk_out / "validation-report.json").read_text())
    by_env: dict[str, set[tuple[str, str, str]]] = {env: set() for env in ENVS}
    for plugin in report["pluginReports"]:
        for finding in plugin["suppressedViolations"]:
            for construct in finding["violatingConstructs"]:
                env, path = construct["constructPath"].split("/", 1)
                if env not in by_env:
                    continue  # the delivery pipeline: one, outside every environment
                config = platform.environment(env)
                identity = Identity(env, config.account, config.region, config.web_tier.environment_suffix)
                by_env[env].add((identity.scrub(finding["acknowledgedId"]), identity.scrub(path), finding["reason"]))
    return by_env


def test_three_packs_ran_once_each(cdk_out: Path) -> None:
    # cdk-nag v3 walks the whole app per registration: registered per stage,
    # it ran every pack four times per synth.
    report = json.loads((cdk_out / "validation-report.json").read_text())
    assert sorted(p["pluginName"] for p in report["pluginReports"]) == ["AwsSolutions", "NIST.800.53.R5", "PCI.DSS.321"]


def test_every_acknowledgment_has_a_reason(cdk_out: Path, platform: PlatformConfig) -> None:
    for env, acks in _acknowledgments(cdk_out, platform).items():
        for rule, path, reason in acks:
            assert len(reason) >= 20, f"{env}/{path}: {rule} acknowledged without a real reason"


def test_acknowledgments_identical_except_declared_variations(cdk_out: Path, platform: PlatformConfig) -> None:
    acks = _acknowledgments(cdk_out, platform)
    # The only environment-dependent acknowledgments are those a declared
    # variation lists (point-in-time recovery, the backup plan), and each
    # depends on its own setting.
    dependent = {
        setting: set(platform.variations[setting].acknowledgments)
        for setting in ("data.point_in_time_recovery", "data.backup_retention_days")
    }
    for env in ENVS:
        data = platform.environment(env).data
        present = {rule for rule, _, _ in acks[env]}
        pitr = dependent["data.point_in_time_recovery"]
        assert present & pitr == (set() if data.point_in_time_recovery else pitr), env
        backup_off = {"NIST.800.53.R5::NIST.800.53.R5-DynamoDBInBackupPlan"}
        backup_on = dependent["data.backup_retention_days"] - backup_off
        expected = backup_on if data.backup_retention_days is not None else backup_off
        assert present & dependent["data.backup_retention_days"] == expected, env
    every_dependent = set().union(*dependent.values())
    common = [{a for a in acks[env] if a[0] not in every_dependent} for env in ENVS]
    assert common[0] == common[1] == common[2]
