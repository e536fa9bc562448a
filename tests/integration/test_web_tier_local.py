"""The web tier on the emulator with Terraform: deployed after the CDK app
whose VPC it joins, state in the S3 backend with its DynamoDB lock, validated,
drift found by the refresh-only plan, two concurrent applies on one workspace
kept apart by the lock, and the environment destroyed (twice, with a deploy
between). The tests build on each other, in order."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.integration.terraform_calls import terraform_calls
from tradeinfra.cdk.constructs.web_tier_plan_access import WEB_TIER_PLAN_READS
from tradeinfra.cdk.synth import synth_cdk
from tradeinfra.cli import main
from tradeinfra.config.loader import PlatformConfig, load_platform
from tradeinfra.config.naming import state_reader_role_name
from tradeinfra.ops.deploy import deploy, deploy_version
from tradeinfra.ops.drift import detect_drift
from tradeinfra.ops.history import open_store
from tradeinfra.ops.plan.model import Action
from tradeinfra.ops.plan.preview import StatefulChangeError, plan_directory, preview
from tradeinfra.ops.targets import TargetKind, resolve_target
from tradeinfra.ops.terraform_deploy import LOCK_TIMEOUT, TerraformDeployError, Workspace, open_workspace, work_root
from tradeinfra.ops.validate import validate
from tradeinfra.ops.versions import DeploymentStore
from tradeinfra.synthesized.cloud_assembly import read_assembly
from tradeinfra.synthesized.pipeline import PipelineStep, read_pipeline_steps

pytestmark = pytest.mark.slow


def test_both_apps_deploy_and_the_web_tier_has_its_configured_settings(
    platform: PlatformConfig, state_dir: Path
) -> None:
    target = resolve_target(TargetKind.local, state_dir)
    version = deploy(platform, "dev", target, ["cdk", "tf"], state_dir)
    assert version.result == "succeeded" and "web-tier/dev" in version.stacks
    dev = platform.environment("dev")
    (database,) = target.client("rds", dev).describe_db_instances(DBInstanceIdentifier="rds-dev-d4e1")["DBInstances"]
    assert (database["DBInstanceClass"], database["MultiAZ"]) == (dev.web_tier.database.instance_class, False)
    state = target.client("s3", platform.environment("dev"))  # the backend lives in the tooling account, not dev's
    assert "trading-tfstate-tooling" not in [b["Name"] for b in state.list_buckets()["Buckets"]]


def test_the_pipelines_own_steps_deploy_the_web_tier_record_and_validate(
    platform: PlatformConfig, state_dir: Path, tmp_path: Path
) -> None:
    """Dev's Plan, WebTier and Validate steps, read from the synthesized
    `trading-pipeline` template, run in order in a fresh checkout (no cache:
    what it knows comes from the ledger) with each step's environment
    variables. The emulator stands for dev's AWS account (`--target aws`
    becomes `--target local`) and enforces no IAM: which role may do what
    is proven by the access gate; here, that the steps work end to end as
    the roles they name, and that those roles exist in dev."""
    assert platform.delivery is not None
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for shared in (".venv", "config"):
        (checkout / shared).symlink_to(REPO_ROOT / shared)
    shutil.copytree(
        state_dir / "emulator", checkout / ".tradeinfra" / "emulator", ignore=shutil.ignore_patterns("*.log")
    )
    synth_cdk(platform, platform.names, checkout / "cdk.out")  # what the pipeline's Synth step hands the stage
    steps = read_pipeline_steps(checkout / "cdk.out", platform.delivery.pipeline_name)["dev"]
    assert [step.name for step in steps] == ["Plan-dev", "WebTier-dev", "Validate-dev"]
    target = resolve_target(TargetKind.local, state_dir)
    before = open_store(platform, target, state_dir, "dev").latest()

    for step in steps:
        for command in step.commands:
            _run_on_the_emulator(step, command, checkout)

    recorded = open_store(platform, target, state_dir, "dev").latest()
    assert recorded is not None and before is not None and recorded.version > before.version
    assert (recorded.apps, recorded.result) == (["cdk", "tf"], "succeeded")
    assert {"dev-trading-compute", "dev-trading-api", "web-tier/dev"} <= set(recorded.stacks)
    assert json.loads((checkout / ".tradeinfra" / "results" / "local" / "dev" / "validation.json").read_text())["ok"]
    roles = target.client("iam", platform.environment("dev"))
    for step in steps:
        role = step.variables["TRADEINFRA_ASSUME_ROLE_ARN"].rsplit("/", 1)[1]
        assert roles.get_role(RoleName=role)["Role"]["RoleName"] == role

    # prod's plan before its approval, on the same assembly: nothing of prod
    # is deployed here, so all of it is added, printed as markdown.
    (plan,) = [
        s
        for s in read_pipeline_steps(checkout / "cdk.out", platform.delivery.pipeline_name)["prod"]
        if s.name == "Plan-prod"
    ]
    (command,) = plan.commands
    run = _run_on_the_emulator(plan, command, checkout)
    assert "## Plan: prod on local" in run.stdout and "to add**" in run.stdout


def _run_on_the_emulator(step: PipelineStep, command: str, checkout: Path) -> subprocess.CompletedProcess[str]:
    """One command of a pipeline step, in `checkout`, with the step's
    variables; the emulator stands for AWS."""
    assert "--target aws" in command
    run = subprocess.run(
        ["bash", "-c", command.replace("--target aws", "--target local")],
        cwd=checkout,
        env={**os.environ, **step.variables},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, f"{step.name}: {command}\n{run.stdout}\n{run.stderr}"
    return run


def test_validation_reads_the_web_tier(platform: PlatformConfig, state_dir: Path) -> None:
    report = validate(platform.environment("dev"), resolve_target(TargetKind.local, state_dir), ["tf"])
    assert report.ok, report.failed
    checked = {(c.resource, c.setting): c.actual for c in report.checks}
    assert checked[("asg-web-dev-d4e1", "max size")] == "2"
    assert checked[("alb-dev-d4e1", "access logs")] == "false"
    assert checked[("db-sg-dev-d4e1", "ingress rules")] == "['tcp/5432 from app-sg-dev-d4e1']"


def test_no_drift_right_after_a_deployment(platform: PlatformConfig, state_dir: Path) -> None:
    report = detect_drift(platform, "dev", resolve_target(TargetKind.local, state_dir), state_dir)
    assert report.drifts == []
    # v0002: the version the pipeline's steps recorded
    assert "tf: terraform refresh-only plan of v0002" in report.checked


def test_applying_the_same_version_again_would_change_nothing(platform: PlatformConfig, state_dir: Path) -> None:
    """The emulator reads back what Terraform wrote (rule descriptions,
    Performance Insights, scaling policy, launch template data): a plan of the
    deployed version finds nothing to do, so a redeploy pays no provider wait."""
    target = resolve_target(TargetKind.local, state_dir)
    deployed = DeploymentStore(state_dir, "local", "dev").directory("v0001")
    workspace = open_workspace(platform, platform.environment("dev"), target, deployed, state_dir, None)
    arguments = ["-detailed-exitcode", "-lock=false", "-input=false", "-no-color", f"-var-file={workspace.tfvars}"]
    plan = workspace.run(["plan", *arguments], None, ok_codes=(0, 2), stdout_only=True)
    assert plan.returncode == 0, [line.strip() for line in plan.output if line.strip().startswith("#")]


def test_a_plan_of_the_deployed_environment_changes_nothing(platform: PlatformConfig, state_dir: Path) -> None:
    target = resolve_target(TargetKind.local, state_dir)
    plan = preview(platform, "dev", target, ["cdk", "tf"], state_dir)
    assert [app.app for app in plan.apps] == ["cdk", "tf"] and not plan.caveats
    assert plan.changes == []
    assert main(["plan", "--env", "dev", "--state-dir", str(state_dir)]) == 0
    # The first recorded version, from the same commit and configuration: nothing either.
    recorded = preview(platform, "dev", target, ["cdk", "tf"], state_dir, from_version="v0001")
    assert recorded.version == "v0001" and recorded.changes == [] and not recorded.caveats


def test_a_plan_calls_only_what_the_read_only_roles_are_granted(
    platform: PlatformConfig, state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pipeline plans the web tier as the read-only validator, reading
    its state through the state reader role. What `terraform plan` calls is
    recorded from its debug log, not assumed: every provider call is a read
    of WEB_TIER_PLAN_READS (the validator's grants; the access gate proves
    it may make each), and the backend, as the reader role, lists the
    workspaces and reads dev's state and the default workspace's, nothing else."""
    log = tmp_path / "terraform.log"
    monkeypatch.setenv("TF_LOG", "DEBUG")
    monkeypatch.setenv("TF_LOG_PATH", str(log))
    target = resolve_target(TargetKind.local, state_dir)
    # As in the pipeline's fresh build: no working directory of an earlier plan.
    shutil.rmtree(work_root(state_dir, target) / "web-tier-dev-plan", ignore_errors=True)
    planned = preview(platform, "dev", target, ["tf"], state_dir)
    assert planned.caveats == []
    calls = terraform_calls(log)
    provider = {c.action for c in calls if c.by == "provider"} - {"sts:GetCallerIdentity"}
    assert len(provider) > 40, "the debug log no longer shows the provider's calls"
    assert provider <= set(WEB_TIER_PLAN_READS), (
        f"reads the validator is not granted: {provider - set(WEB_TIER_PLAN_READS)}"
    )
    backend = {(c.action, c.target) for c in calls if c.by == "backend"}
    own_state = ("s3:GetObject", "env/dev/web-tier/terraform.tfstate")
    assert own_state in backend and ("s3:GetObject", "web-tier/terraform.tfstate") in backend
    assert backend <= {
        own_state,
        ("s3:GetObject", "web-tier/terraform.tfstate"),  # init reads the default workspace's (empty) state
        ("s3:ListBucket", "prefix=env/"),
        ("dynamodb:GetItem", ""),  # the state's digest
        ("sts:AssumeRole", ""),
        ("sts:GetCallerIdentity", ""),
    }, backend
    settings = work_root(state_dir, target) / "web-tier-dev-plan" / "backend.hcl"
    assert f"role/{state_reader_role_name('dev')}" in settings.read_text()


def test_a_configuration_change_is_planned_as_those_modifications(
    platform: PlatformConfig, state_dir: Path, tmp_path: Path
) -> None:
    """dev's order processor 512 -> 640 MB, its Auto Scaling group max 2 -> 3:
    the plan names both with old and new values; everything else it lists is
    the order processor's new published version that follows from it."""
    config = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", config)
    dev_yaml = config / "environments" / "dev.yaml"
    text = dev_yaml.read_text(encoding="utf-8")
    assert "    memory_mb: 512\n" in text and "      max_size: 2\n" in text
    dev_yaml.write_text(
        text.replace("    memory_mb: 512\n", "    memory_mb: 640\n").replace(
            "      max_size: 2\n", "      max_size: 3\n"
        ),
        encoding="utf-8",
    )
    changed = load_platform(config)
    plan = preview(changed, "dev", resolve_target(TargetKind.local, state_dir), ["cdk", "tf"], state_dir)
    found = {(c.physical_name, p.path, p.before, p.after) for c in plan.changes for p in c.properties}
    assert ("dev-trading-order-processor", "Properties.MemorySize", "512", "640") in found
    assert ("asg-web-dev-d4e1", "max_size", "2", "3") in found
    assert [c.container for c in plan.changes if c.app == "tf"] == ["web-tier/dev"]
    assert {c.container for c in plan.changes if c.app == "cdk"} == {"dev-trading-compute"}
    assert not any(c.loses_data for c in plan.changes)
    assert {c.action for c in plan.changes} <= {Action.MODIFY, Action.ADD, Action.REMOVE}
    removed = [c for c in plan.changes if c.action is Action.REMOVE]
    assert [c.resource_type for c in removed] == ["AWS::Lambda::Version"]  # the published version before


def test_replacing_the_orders_table_or_the_database_is_refused_until_allowed(
    platform: PlatformConfig, state_dir: Path, tmp_path: Path
) -> None:
    """A release that renames the orders table (CloudFormation replaces it)
    and changes the database's master user name (Terraform replaces it):
    each app's deployment stops before it changes anything, naming the
    resource; named with --allow-replace, or its change reviewed in
    config/replacements.yaml (the pipeline's way), the guard lets it through."""
    target = resolve_target(TargetKind.local, state_dir)
    dev = platform.environment("dev")
    store = open_store(platform, target, state_dir, "dev")
    release = tmp_path / "release"
    shutil.copytree(store.directory(store.last_succeeded(apps=["cdk", "tf"]).version), release)  # type: ignore[union-attr]
    (template,) = (
        s.template_file for s in read_assembly(release / "cdk.out")["dev"].values() if s.construct_id == "data"
    )
    data = json.loads(template.read_text())
    table = next(r for r in data["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table")
    table["Properties"]["TableName"] = "dev-trading-orders-renamed"
    template.write_text(json.dumps(data))
    web_tier = release / "cdktf.out" / "stacks" / "web-tier" / "cdk.tf.json"
    config = json.loads(web_tier.read_text())
    (database,) = config["resource"]["aws_db_instance"].values()
    database["username"] = "renamed"
    web_tier.write_text(json.dumps(config))

    def release_artifacts(directory: Path) -> None:
        shutil.copytree(release, directory, dirs_exist_ok=True)

    # Both apps with the table allowed: the web tier, deployed before, is
    # planned with the stacks, so its refusal comes before CloudFormation
    # renames the table.
    for apps, refused, allowed in (
        (["cdk"], "dev-trading-orders", []),
        (["tf"], "aws_db_instance rds-dev-d4e1", []),
        (["cdk", "tf"], "aws_db_instance rds-dev-d4e1", ["dev-trading-orders"]),
    ):
        with pytest.raises(StatefulChangeError, match=f"replace .*{refused}") as refusal:
            deploy_version(platform, dev, target, apps, state_dir, release_artifacts, allowed=allowed)
        assert "--allow-replace" in str(refusal.value)
        failed = open_store(platform, target, state_dir, "dev").latest()
        assert failed is not None and failed.result == "failed" and "would be replaced" in failed.detail
    tables = target.client("dynamodb", dev).list_tables()["TableNames"]
    assert "dev-trading-orders" in tables and "dev-trading-orders-renamed" not in tables
    assert target.client("rds", dev).describe_db_instances(DBInstanceIdentifier="rds-dev-d4e1")["DBInstances"]

    plan = plan_directory(platform, dev, target, ["cdk", "tf"], release, state_dir, "the release")
    lost = {c.physical_name or c.address for c in plan.findings}
    assert lost == {"dev-trading-orders", "rds-dev-d4e1"}
    allowed = plan_directory(
        platform, dev, target, ["cdk", "tf"], release, state_dir, "the release", ["dev-trading-orders", "rds-dev-d4e1"]
    )
    assert allowed.findings == [] and len(allowed.acknowledged) == 2

    # The pipeline's way: both changes reviewed in config/replacements.yaml, by their fingerprints.
    config = tmp_path / "config"
    shutil.copytree(platform.config_dir, config)
    entries = "".join(
        f"  - {{environment: dev, resource: {c.physical_name or c.address}, change: {c.fingerprint}, "
        "reason: replaced on purpose in this test}\n"
        for c in plan.findings
    )
    (config / "replacements.yaml").write_text("allowed:\n" + entries)
    reviewed = plan_directory(load_platform(config), dev, target, ["cdk", "tf"], release, state_dir, "the release")
    assert reviewed.findings == [] and reviewed.unused_reviews == []
    assert {reviewed.acknowledgment(c) for c in reviewed.acknowledged} == {"reviewed: replaced on purpose in this test"}


def test_a_plan_of_an_environment_with_nothing_deployed_adds_everything(
    platform: PlatformConfig, state_dir: Path
) -> None:
    plan = preview(platform, "staging", resolve_target(TargetKind.local, state_dir), ["cdk", "tf"], state_dir)
    assert plan.changes and {c.action for c in plan.changes} == {Action.ADD}
    tables = [c for c in plan.changes if c.resource_type == "AWS::DynamoDB::Table"]
    assert [(c.container, c.physical_name) for c in tables] == [("staging-trading-data", "staging-trading-orders")]
    assert [c.container for c in plan.changes if c.resource_type == "aws_db_instance"] == ["web-tier/staging"]
    assert plan.findings == []  # adding loses nothing


def test_terraform_and_conformance_both_find_a_resized_auto_scaling_group(
    platform: PlatformConfig, state_dir: Path
) -> None:
    target = resolve_target(TargetKind.local, state_dir)
    dev = platform.environment("dev")
    target.client("autoscaling", dev).update_auto_scaling_group(AutoScalingGroupName="asg-web-dev-d4e1", MaxSize=7)
    report = detect_drift(platform, "dev", target, state_dir)
    found = {(d.source, d.property, d.expected, d.actual) for d in report.drifts}
    assert found == {("conformance", "max size", "2", "7"), ("terraform", "max_size", "2", "7")}


def test_concurrent_applies_on_one_workspace_are_kept_apart_by_the_lock(
    platform: PlatformConfig, state_dir: Path, tmp_path: Path
) -> None:
    """Two runners (two working directories) apply the same workspace: while
    the first holds the DynamoDB lock the second fails at once, naming the
    lock; the first completes and the state is intact. The first replaces a
    lifecycle configuration, whose create the provider waits on for about a
    minute, so it holds the lock for certain while the second starts (an
    apply with nothing to do would release it within a second or two)."""
    target = resolve_target(TargetKind.local, state_dir)
    dev = platform.environment("dev")
    deployed = DeploymentStore(state_dir, "local", "dev").directory("v0001")
    first = open_workspace(platform, dev, target, deployed, state_dir, None)
    second = open_workspace(platform, dev, target, deployed, tmp_path, None)  # another runner
    before = _state(first)

    holding = threading.Event()
    outcome: dict[str, object] = {}

    def first_apply() -> None:
        def on_line(line: str) -> None:
            if "Refreshing state" in line:  # the lock is held from before the refresh to the end
                holding.set()

        try:
            outcome["first"] = first.run([*_apply(first), f"-replace={HELD_BY_A_PROVIDER_WAIT}"], on_line).returncode
        except TerraformDeployError as exc:
            outcome["first"] = exc
        finally:
            holding.set()

    runner = threading.Thread(target=first_apply)
    runner.start()
    assert holding.wait(timeout=300)
    with pytest.raises(TerraformDeployError, match="the state is locked by another Terraform run"):
        second.run(_apply(second), None)
    runner.join(timeout=600)

    assert outcome["first"] == 0
    after = _state(first)
    assert after["lineage"] == before["lineage"]
    assert _addresses(after) == _addresses(before)


def test_dev_is_destroyed_and_a_second_deploy_destroy_cycle_works(
    platform: PlatformConfig, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = resolve_target(TargetKind.local, state_dir)
    for cycle in (1, 2):
        if cycle == 2:
            assert deploy(platform, "dev", target, ["cdk", "tf"], state_dir).result == "succeeded"
        assert main(["destroy", "--env", "dev", "--state-dir", str(state_dir)]) == 0
        printed = capsys.readouterr().out
        assert "destroyed: web-tier/dev" in printed and "destroyed: dev-trading-data" in printed
        assert _platform_resources_left(platform, target) == {}, f"cycle {cycle}"
    history = open_store(platform, target, state_dir, "dev").versions()
    assert [v.result for v in history if v.result == "destroyed"] == ["destroyed", "destroyed"]
    assert open_store(platform, target, state_dir, "dev").last_succeeded(apps=["cdk"]) is None  # nothing deployed


def _platform_resources_left(platform: PlatformConfig, target: Any) -> dict[str, list[str]]:
    """What of the platform still exists in dev's account: stacks, functions,
    tables, queues, buckets, DB instances, Auto Scaling groups, load balancers
    and security groups (the account's default ones, and the CDK toolkit's,
    are not the platform's)."""
    dev = platform.environment("dev")

    def client(service: str) -> Any:
        return target.client(service, dev)

    found = {
        "stacks": [
            s["StackName"]
            for s in client("cloudformation").list_stacks()["StackSummaries"]
            if s["StackStatus"] != "DELETE_COMPLETE" and s["StackName"] != "CDKToolkit"
        ],
        "functions": [f["FunctionName"] for f in client("lambda").list_functions()["Functions"]],
        "tables": client("dynamodb").list_tables()["TableNames"],
        "queues": client("sqs").list_queues().get("QueueUrls", []),
        "buckets": [b["Name"] for b in client("s3").list_buckets()["Buckets"] if not b["Name"].startswith("cdk-")],
        "databases": [d["DBInstanceIdentifier"] for d in client("rds").describe_db_instances()["DBInstances"]],
        "groups": [
            a["AutoScalingGroupName"] for a in client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
        ],
        "balancers": [b["LoadBalancerName"] for b in client("elbv2").describe_load_balancers()["LoadBalancers"]],
        "security groups": [
            g["GroupName"]
            for g in client("ec2").describe_security_groups()["SecurityGroups"]
            if g["GroupName"] != "default"
        ],
    }
    return {kind: names for kind, names in found.items() if names}


HELD_BY_A_PROVIDER_WAIT = "aws_s3_bucket_lifecycle_configuration.storage_lifecycle_BADC016A"


def _apply(workspace: Workspace) -> list[str]:
    return ["apply", "-auto-approve", "-input=false", "-no-color", LOCK_TIMEOUT, f"-var-file={workspace.tfvars}"]


def _state(workspace: Workspace) -> dict[str, object]:
    pulled = json.loads("\n".join(workspace.run(["state", "pull"], None, stdout_only=True).output))
    assert isinstance(pulled, dict)
    return pulled


def _addresses(state: dict[str, object]) -> set[str]:
    resources = state["resources"]
    assert isinstance(resources, list)
    return {f"{r['type']}.{r['name']}" for r in resources if r["mode"] == "managed"}
