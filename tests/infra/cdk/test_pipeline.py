"""The delivery pipeline, from the synthesized `trading-pipeline` template:
a change is validated before any deployment, environments follow the
promotion order, each is validated after deployment and rolled back when that
fails, and a person approves production."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.infra.cdk.conftest import Assembly
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.models import DeliveryConfig
from tradeinfra.synthesized.cloud_assembly import SynthesizedStack, read_delivery_stacks
from tradeinfra.synthesized.pipeline import pipeline_steps

PLATFORM_STAGES = ["Source", "Build", "UpdatePipeline", "Assets", "ConsistencyGate"]


@pytest.fixture(scope="module")
def delivery(platform: PlatformConfig) -> DeliveryConfig:
    assert platform.delivery is not None
    return platform.delivery


@pytest.fixture(scope="module")
def pipeline_stack(cdk_out: Path, delivery: DeliveryConfig) -> SynthesizedStack:
    return read_delivery_stacks(cdk_out)[delivery.pipeline_name]


@pytest.fixture(scope="module")
def stages(pipeline_stack: SynthesizedStack) -> dict[str, dict[str, Any]]:
    pipeline = pipeline_stack.only("AWS::CodePipeline::Pipeline")["Properties"]
    return {stage["Name"]: stage for stage in pipeline["Stages"]}


def build_commands(stack: SynthesizedStack, project_ref: dict[str, str]) -> list[str]:
    project = stack.template["Resources"][project_ref["Ref"]]["Properties"]
    spec = json.loads(project["Source"]["BuildSpec"])
    return [command for phase in spec["phases"].values() for command in phase.get("commands", [])]


def actions(stage: dict[str, Any], provider: str) -> list[dict[str, Any]]:
    return [a for a in stage["Actions"] if a["ActionTypeId"]["Provider"] == provider]


def test_pipeline_is_v2_in_the_tooling_account(pipeline_stack: SynthesizedStack, delivery: DeliveryConfig) -> None:
    assert (pipeline_stack.account, pipeline_stack.region) == (delivery.account, delivery.region)
    props = pipeline_stack.only("AWS::CodePipeline::Pipeline")["Properties"]
    assert props["Name"] == delivery.pipeline_name and props["PipelineType"] == "V2"
    assert pipeline_stack.termination_protection
    tags = {t["Key"]: t["Value"] for t in props["Tags"]}
    assert tags["Environment"] == "tooling" and tags["ManagedBy"] == "tradeinfra-cdk"


def test_stages_run_gate_first_then_environments_in_promotion_order(
    stages: dict[str, dict[str, Any]], platform: PlatformConfig
) -> None:
    assert list(stages) == PLATFORM_STAGES + platform.names


def test_source_is_the_configured_connection(stages: dict[str, dict[str, Any]], delivery: DeliveryConfig) -> None:
    (source,) = stages["Source"]["Actions"]
    config = source["Configuration"]
    assert config["ConnectionArn"] == delivery.source.connection_arn
    assert (config["FullRepositoryId"], config["BranchName"]) == (delivery.source.repository, delivery.source.branch)


def test_synth_installs_pinned_dependencies_and_runs_tradeinfra_synth(
    pipeline_stack: SynthesizedStack, stages: dict[str, dict[str, Any]]
) -> None:
    (synth,) = stages["Build"]["Actions"]
    commands = build_commands(pipeline_stack, synth["Configuration"]["ProjectName"])
    assert commands[0] == "make install"  # from requirements.lock and package-lock.json
    assert ".venv/bin/tradeinfra synth" in commands  # fails on any unacknowledged cdk-nag finding


def test_consistency_gate_runs_tests_parity_and_lint_before_any_deployment(
    pipeline_stack: SynthesizedStack, stages: dict[str, dict[str, Any]]
) -> None:
    (gate,) = stages["ConsistencyGate"]["Actions"]
    commands = build_commands(pipeline_stack, gate["Configuration"]["ProjectName"])
    assert commands[-2:] == ["make install", "make gate"]
    assert any('"cdk.out"' in c for c in commands) and any('"cdktf.out"' in c for c in commands)
    inputs = {artifact["Name"] for artifact in gate["InputArtifacts"]}
    assert len(inputs) == 3  # the source, cdk.out and cdktf.out
    makefile = (REPO_ROOT / "Makefile").read_text()
    recipe = re.search(r"^gate:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None
    steps = recipe.group(1)
    assert "pytest -q tests/unit" in steps and "tradeinfra parity" in steps and "cfn-lint" in steps


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_each_environment_deploys_to_its_own_account_then_validates(
    stages: dict[str, dict[str, Any]], platform: PlatformConfig, pipeline_stack: SynthesizedStack, env: str
) -> None:
    config = platform.environment(env)
    stage = stages[env]
    deploys = actions(stage, "CloudFormation")
    assert {a["Configuration"]["StackName"] for a in deploys} == {
        f"{env}-trading-{c}"
        for c in ("security", "network", "data", "storage", "messaging", "monitoring", "compute", "api")
    }
    for action in deploys:
        assert action.get("Region", pipeline_stack.region) == config.region
        assert f":iam::{config.account}:role/cdk-" in json.dumps(action["RoleArn"])
    web_tier, validate = pipeline_steps(pipeline_stack)[env][-2:]
    assert web_tier.name == f"WebTier-{env}" and validate.name == f"Validate-{env}"
    # The web tier joins the CDK app's VPC: after every stack is deployed; validation after both apps.
    assert web_tier.run_order > max(a["RunOrder"] for a in deploys)
    assert validate.run_order > web_tier.run_order
    assert web_tier.commands == [
        f".venv/bin/tradeinfra deploy --env {env} --app tf --target aws --deployed-cdk cdk.out"
    ]
    assert web_tier.install_commands[-2:] == ["make install", "make terraform-cli"]
    assert web_tier.variables["TRADEINFRA_ASSUME_ROLE_ARN"] == (
        f"arn:aws:iam::{config.account}:role/{env}-trading-web-tier-deployer"
    )
    assert validate.commands == [f".venv/bin/tradeinfra validate --env {env} --target aws --app all"]
    assert validate.variables["TRADEINFRA_ASSUME_ROLE_ARN"] == (
        f"arn:aws:iam::{config.account}:role/{env}-trading-post-deploy-validator"
    )


def test_the_web_tier_step_records_the_assembly_the_stage_deployed(pipeline_stack: SynthesizedStack) -> None:
    """`--deployed-cdk cdk.out` is the Synth step's output, the very assembly
    the stage's CloudFormation actions deployed."""
    for env in ("dev", "staging", "prod"):
        (web_tier,) = [s for s in pipeline_steps(pipeline_stack)[env] if s.name.startswith("WebTier-")]
        assert any('ln -s -- "$CODEBUILD_SRC_DIR_Synth_Output" "cdk.out"' in c for c in web_tier.install_commands)


def test_terraform_is_pinned_and_checksum_verified() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    recipe = re.search(r"^terraform-cli:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None
    assert "sha256sum --check" in recipe.group(1)
    assert re.search(r"^TERRAFORM_SHA256\s*:= [0-9a-f]{64}$", makefile, re.MULTILINE)


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_failed_validation_rolls_the_stage_back(stages: dict[str, dict[str, Any]], env: str) -> None:
    assert stages[env]["OnFailure"] == {"Result": "ROLLBACK"}


def test_a_person_approves_before_prod_and_only_there(
    stages: dict[str, dict[str, Any]], delivery: DeliveryConfig, platform: PlatformConfig
) -> None:
    assert delivery.approval_before == ["prod"]
    for env in platform.names:
        approvals = actions(stages[env], "Manual")
        if env not in delivery.approval_before:
            assert approvals == [], env
            continue
        (approval,) = approvals
        assert approval["RunOrder"] < min(a["RunOrder"] for a in actions(stages[env], "CloudFormation"))
    # prod deploys only after staging passed: staging is the stage before it.
    names = list(stages)
    assert names.index("prod") == names.index("staging") + 1


def test_before_the_approval_the_release_is_planned_in_prod_as_its_read_only_validator(
    stages: dict[str, dict[str, Any]], pipeline_stack: SynthesizedStack, platform: PlatformConfig
) -> None:
    """The person approving prod sees what the release changes there: the
    Plan step runs first, on the assembly the stage deploys, as the
    validator (it can change nothing), and a stateful replacement (exit 2)
    fails the run before the approval."""
    plan = next(s for s in pipeline_steps(pipeline_stack)["prod"] if s.name == "Plan-prod")
    (approval,) = actions(stages["prod"], "Manual")
    assert plan.run_order < approval["RunOrder"] < min(a["RunOrder"] for a in actions(stages["prod"], "CloudFormation"))
    (command,) = plan.commands
    assert command.startswith(
        ".venv/bin/tradeinfra plan --env prod --target aws --app all --cdk-out cdk.out --format markdown"
    )
    assert command.endswith('exit "$status"')  # the plan's exit code, after its markdown is printed
    assert any('ln -s -- "$CODEBUILD_SRC_DIR_Synth_Output" "cdk.out"' in c for c in plan.install_commands)
    validator = f"arn:aws:iam::{platform.environment('prod').account}:role/prod-trading-post-deploy-validator"
    assert plan.variables["TRADEINFRA_ASSUME_ROLE_ARN"] == validator
    (validate,) = [s for s in pipeline_steps(pipeline_stack)["prod"] if s.name == "Validate-prod"]
    assert plan.role == validate.role  # the validation step's role: it may assume the validator alone
    assert "Plan-prod" in approval["Configuration"]["CustomData"]
    assert "config/replacements.yaml" in approval["Configuration"]["CustomData"]


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_every_stage_is_planned_and_guarded_before_cloudformation_deploys_it(
    stages: dict[str, dict[str, Any]], pipeline_stack: SynthesizedStack, env: str
) -> None:
    """CloudFormation actions replace a table without asking: the guard runs
    before them in every stage, not only where a person approves."""
    steps = pipeline_steps(pipeline_stack)[env]
    assert [s.name for s in steps] == [f"Plan-{env}", f"WebTier-{env}", f"Validate-{env}"]
    assert steps[0].run_order < min(a["RunOrder"] for a in actions(stages[env], "CloudFormation"))
    (command,) = steps[0].commands
    assert f"plan --env {env} --target aws --app all --cdk-out cdk.out" in command  # both apps
    assert any("make terraform-cli" in c for c in steps[0].install_commands)
    assert "--allow-replace" not in command  # only a reviewed config/replacements.yaml lets a replacement through


def assumable(pipeline_stack: SynthesizedStack, role_name: str) -> list[Any]:
    """What the pipeline role `role_name` may assume."""
    role_id = next(
        lid
        for lid, r in pipeline_stack.resources("AWS::IAM::Role").items()
        if r["Properties"].get("RoleName") == role_name
    )
    statements = [
        s
        for policy in pipeline_stack.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    return [s["Resource"] for s in statements if s["Action"] == "sts:AssumeRole"]


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
@pytest.mark.parametrize(("step", "acts_as"), [("validate", "post-deploy-validator"), ("webtier", "web-tier-deployer")])
def test_each_step_may_only_assume_the_one_role_it_acts_as(
    pipeline_stack: SynthesizedStack, platform: PlatformConfig, env: str, step: str, acts_as: str
) -> None:
    account = platform.environment(env).account
    assert assumable(pipeline_stack, f"trading-pipeline-{step}-{env}") == [
        f"arn:aws:iam::{account}:role/{env}-trading-{acts_as}"
    ]


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_web_tier_deployer_trusts_only_that_step_and_carries_its_ceiling(
    assembly: Assembly, delivery: DeliveryConfig, env: str
) -> None:
    security = assembly[env]["security"]
    (role,) = [
        r["Properties"]
        for r in security.resources("AWS::IAM::Role").values()
        if r["Properties"]["RoleName"] == f"{env}-trading-web-tier-deployer"
    ]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{delivery.account}:role/trading-pipeline-webtier-{env}"}
    }
    ceiling = security.template["Resources"][role["PermissionsBoundary"]["Ref"]]["Properties"]
    assert ceiling["ManagedPolicyName"] == f"{env}-trading-web-tier-deploy-ceiling"
    denied = [s for s in ceiling["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert [s["Action"] for s in denied] == ["s3:*"]  # every bucket but the web tier's own


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_validator_role_trusts_only_that_step_and_reads_no_data(
    assembly: Assembly, delivery: DeliveryConfig, env: str
) -> None:
    security = assembly[env]["security"]
    (role_id, role) = next(
        (lid, r)
        for lid, r in security.resources("AWS::IAM::Role").items()
        if r["Properties"].get("RoleName") == f"{env}-trading-post-deploy-validator"
    )
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": f"arn:aws:iam::{delivery.account}:role/trading-pipeline-validate-{env}"}
    }
    assert delivery.account in json.dumps(trust["Principal"])
    statements = [
        s
        for policy in security.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    granted = {
        action for s in statements for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert "lambda:GetFunctionConfiguration" in granted
    assert not granted & {"s3:GetObject", "dynamodb:GetItem", "dynamodb:Scan", "sqs:ReceiveMessage", "ssm:PutParameter"}
    assert not granted & {"lambda:GetFunction", "kms:Decrypt"}  # function code, encrypted environment variables
    assert not any(a.startswith(("iam:Create", "iam:Put", "iam:Attach")) for a in granted)
    # The one role it may assume: the web tier's state reader, to plan it (read only).
    (assume,) = [s for s in statements if "sts:AssumeRole" in json.dumps(s["Action"])]
    assert assume["Action"] == "sts:AssumeRole"
    assert assume["Resource"] == f"arn:aws:iam::{delivery.account}:role/trading-tfstate-{env}-reader"
    unscoped = {
        a
        for s in statements
        if s["Resource"] == "*"
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not unscoped & {"ssm:GetParameter", "ssm:GetParameters", "lambda:GetFunctionConfiguration", "apigateway:GET"}


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_validator_may_invoke_only_the_order_routes_of_its_own_api(assembly: Assembly, env: str) -> None:
    api = assembly[env]["api"]
    (rest_api_id,) = api.resources("AWS::ApiGateway::RestApi")
    (smoke,) = [
        s
        for policy in api.resources("AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"] == [f"{env}-trading-post-deploy-validator"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert smoke["Action"] == "execute-api:Invoke"
    routes = [json.dumps(resource) for resource in smoke["Resource"]]
    assert len(routes) == 2 and all(rest_api_id in route for route in routes)
    assert any(f"/{env}/POST/orders" in route for route in routes) and any(
        f"/{env}/GET/orders/*" in route for route in routes
    )


def test_compliance_packs_checked_the_pipeline(cdk_out: Path) -> None:
    report = json.loads((cdk_out / "validation-report.json").read_text())
    checked = {
        construct["constructPath"].split("/")[0]
        for plugin in report["pluginReports"]
        for finding in plugin["suppressedViolations"]
        for construct in finding["violatingConstructs"]
    }
    assert "trading-pipeline" in checked
    assert all(not plugin["violations"] for plugin in report["pluginReports"])
    for plugin in report["pluginReports"]:
        for finding in plugin["suppressedViolations"]:
            assert len(finding["reason"]) >= 20, f"{finding['acknowledgedId']} acknowledged without a real reason"


def test_every_pipeline_role_is_bounded_by_the_pipeline_boundary(
    pipeline_stack: SynthesizedStack, delivery: DeliveryConfig
) -> None:
    roles = pipeline_stack.resources("AWS::IAM::Role")
    assert len(roles) >= 10  # CDK Pipelines' own roles and the web-tier and validation steps
    boundaries = {
        logical_id: policy
        for logical_id, policy in pipeline_stack.resources("AWS::IAM::ManagedPolicy").items()
        if policy["Properties"]["ManagedPolicyName"] == f"{delivery.pipeline_name}-boundary"
    }
    (boundary_id,) = boundaries
    for logical_id, role in roles.items():
        assert role["Properties"]["PermissionsBoundary"] == {"Ref": boundary_id}, logical_id


def test_the_pipeline_boundary_names_what_the_generated_grants_do_not(
    pipeline_stack: SynthesizedStack, delivery: DeliveryConfig
) -> None:
    (boundary,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in pipeline_stack.resources("AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["ManagedPolicyName"] == f"{delivery.pipeline_name}-boundary"
    ]
    statements = {s["Sid"]: s for s in boundary}
    for statement in boundary:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert not any(a == "*" or a.endswith(":*") for a in actions), statement["Sid"]
        assert "*" not in resources, statement["Sid"]
    # the assets role's codebuild:StartBuild on "*" reaches only the pipeline's own, tagged projects
    builds = statements["ItsOwnBuildProjects"]
    assert builds["Condition"] == {"StringEquals": {"aws:ResourceTag/ManagedBy": "tradeinfra-cdk"}}
    for project in pipeline_stack.resources("AWS::CodeBuild::Project").values():
        tags = {t["Key"]: t["Value"] for t in project["Properties"]["Tags"]}
        assert tags["ManagedBy"] == "tradeinfra-cdk"
    # the pipeline role's KMS grant on "*" reaches only keys of the tooling account
    assert statements["ArtifactKeysInTheToolingAccount"]["Resource"] == f"arn:aws:kms:*:{delivery.account}:key/*"


def test_a_new_wildcard_grant_in_the_pipeline_stack_is_not_acknowledged(platform: PlatformConfig) -> None:
    """The pipeline's acknowledgments sit on the resources CDK Pipelines
    generates, not on the stack: a grant added there later fails the synth."""
    import aws_cdk as cdk
    from aws_cdk import aws_iam as iam

    from tradeinfra.cdk.app import build_app

    app = build_app(platform, platform.names)
    assert platform.delivery is not None
    stack = app.node.find_child(platform.delivery.pipeline_name)
    assert isinstance(stack, cdk.Stack)
    role = iam.Role(stack, "AddedLater", assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


def test_generated_grants_name_their_resources(pipeline_stack: SynthesizedStack, delivery: DeliveryConfig) -> None:
    """CDK Pipelines grants KMS (replication keys), CodeBuild (asset
    projects) and self-mutation's reads (cloudformation:DescribeStacks,
    s3:ListBucket) on "*": each narrowed to what this stack knows. No
    generated grant is left on "*"."""
    on_everything = []
    reads: dict[str, Any] = {}
    for logical_id, policy in pipeline_stack.resources("AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if "*" in resources:
                on_everything.append((logical_id.split("Role")[0], statement["Action"]))
            if logical_id.startswith("PipelineUpdatePipelineSelfMutation"):
                reads.setdefault(json.dumps(statement["Action"]), resources)
    assert on_everything == []
    tooling = pipeline_stack.account
    assert reads['"cloudformation:DescribeStacks"'] == [
        f"arn:aws:cloudformation:*:{tooling}:stack/{name}/*"
        for name in ("CDKToolkit", delivery.pipeline_name, f"{delivery.pipeline_name}-support-*")
    ]
    assert reads['"s3:ListBucket"'] == [f"arn:aws:s3:::cdk-hnb659fds-assets-{tooling}-*"]
    projects = pipeline_stack.resources("AWS::CodeBuild::Project")
    (assets,) = [
        p for lid, p in pipeline_stack.resources("AWS::IAM::Policy").items() if lid.startswith("PipelineAssetsFileRole")
    ]
    (builds,) = [
        s for s in assets["Properties"]["PolicyDocument"]["Statement"] if "codebuild:StartBuild" in s["Action"]
    ]
    assert builds["Resource"] and all(ref["Fn::GetAtt"][0] in projects for ref in builds["Resource"])
