"""Which version a rollback returns to, what a promotion refuses before it
deploys anything, and how a failed promotion ends (deployments stubbed; the
real thing runs against the emulator in tests/integration)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.errors import TradeinfraError
from tradeinfra.ops import promote as promotion
from tradeinfra.ops.checks import Check, Outcome, ValidationReport
from tradeinfra.ops.rollback import NothingToRollBackError, apps_to_roll_back, rollback_source
from tradeinfra.ops.targets import Target, TargetKind
from tradeinfra.ops.terraform_deploy import describe_terraform_failure
from tradeinfra.ops.versions import DeploymentStore, DeploymentVersion, write_environment


def record(store: DeploymentStore, result: str, apps: list[str] | None = None, commit: str = "c1") -> DeploymentVersion:
    return store.finish(store.begin(apps or ["cdk", "tf"], commit), result)


def test_rollback_returns_to_the_last_success_before_the_latest(tmp_path: Path) -> None:
    store = DeploymentStore(tmp_path, "local", "prod")
    record(store, "succeeded")
    record(store, "succeeded")
    record(store, "failed")
    assert rollback_source(store, None).version == "v0002"
    record(store, "succeeded")  # v0004 is live: the previous good one is v0002
    assert rollback_source(store, None).version == "v0002"


def test_rollback_of_one_app_skips_versions_without_it(tmp_path: Path) -> None:
    store = DeploymentStore(tmp_path, "local", "dev")
    record(store, "succeeded", ["tf"])
    record(store, "succeeded", ["cdk"])
    record(store, "failed", ["tf"])
    assert rollback_source(store, None).version == "v0001"


def test_rollback_restores_only_the_apps_the_latest_version_deployed(tmp_path: Path) -> None:
    store = DeploymentStore(tmp_path, "local", "prod")
    record(store, "succeeded", ["cdk", "tf"])
    record(store, "rolled-back", ["cdk"])  # a CDK-only release that failed validation
    source = rollback_source(store, None)
    assert (source.version, apps_to_roll_back(store, source, None)) == ("v0001", ["cdk"])
    # a version named with --to goes back whole
    assert apps_to_roll_back(store, source, "v0001") == ["cdk", "tf"]


def test_rollback_needs_an_earlier_success(tmp_path: Path) -> None:
    store = DeploymentStore(tmp_path, "local", "staging")
    record(store, "succeeded")
    with pytest.raises(
        NothingToRollBackError, match=r"staging on local: no earlier successful version .*v0001 succeeded"
    ):
        rollback_source(store, None)


def test_rollback_to_a_failed_version_is_refused_by_name(tmp_path: Path) -> None:
    store = DeploymentStore(tmp_path, "local", "prod")
    record(store, "succeeded")
    record(store, "failed")
    with pytest.raises(TradeinfraError, match=r"--to v0002: version v0002 of prod on local failed; .*\(v0001\)"):
        rollback_source(store, "v0002")
    assert rollback_source(store, "v0001").version == "v0001"


@pytest.mark.parametrize(
    ("source", "destination", "message"),
    [
        ("dev", "prod", r"--to prod: promotion follows the order dev -> staging -> prod .*dev promotes to staging"),
        ("prod", "dev", r"prod is the last environment"),
        ("dev", "qa", r"--to qa: unknown environment \(known: dev, staging, prod\)"),
    ],
)
def test_promotion_follows_the_configured_order(
    platform: PlatformConfig, tmp_path: Path, source: str, destination: str, message: str
) -> None:
    with pytest.raises(TradeinfraError, match=message):
        promotion.promote(platform, source, destination, Target(TargetKind.local, "http://x"), tmp_path)


@pytest.fixture(autouse=True)
def local_stores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Versions kept in the state directory alone: these tests decide, they
    do not reach a ledger (tests/unit/ops/test_ledger.py covers it)."""
    monkeypatch.setattr(
        promotion,
        "open_store",
        lambda platform, target, state_dir, env, on_line=None: DeploymentStore(state_dir, "local", env),
    )


def test_promotion_carries_only_what_the_source_runs(
    platform: PlatformConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = Target(TargetKind.local, "http://x")
    with pytest.raises(TradeinfraError, match=r"--from dev: no successful deployment of cdk, tf on local"):
        promotion.promote(platform, "dev", "staging", target, tmp_path)
    record(DeploymentStore(tmp_path, "local", "dev"), "succeeded", commit="old0commit")
    monkeypatch.setattr(promotion, "git_commit", lambda: "new0commit")
    with pytest.raises(
        TradeinfraError, match=r"--from dev: it runs commit old0commit \(v0001\), this checkout is new0commit"
    ):
        promotion.promote(platform, "dev", "staging", target, tmp_path)


def test_promotion_carries_only_the_configuration_the_source_runs(
    platform: PlatformConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = DeploymentStore(tmp_path, "local", "dev")
    deployed = record(store, "succeeded")
    dev = platform.environment("dev")
    ran = dev.model_copy(update={"compute": dev.compute.model_copy(update={"memory_mb": 1024})})
    write_environment(store.directory(deployed.version), ran)  # dev runs 1024 MB; this config says 512
    monkeypatch.setattr(promotion, "git_commit", lambda: "c1")
    with pytest.raises(
        TradeinfraError,
        match=r"--from dev: it runs another configuration than .*config \(v0001 differs in compute\.memory_mb\): "
        r"deploy dev with this configuration first",
    ):
        promotion.promote(platform, "dev", "staging", Target(TargetKind.local, "http://x"), tmp_path)


class FakeDeployments:
    """deploy_version and rollback that record versions without deploying."""

    def __init__(self, platform: PlatformConfig, state_dir: Path) -> None:
        self.platform, self.state_dir = platform, state_dir

    def deploy_version(
        self, platform: Any, env: Any, target: Any, apps: Any, state_dir: Path, build: Any, *_: Any, **options: Any
    ) -> DeploymentVersion:
        store = DeploymentStore(state_dir, "local", env.name)
        version = store.begin(list(apps), "c1", allowed_replacements=options.get("allowed", ()))
        build(store.directory(version.version))
        return store.finish(version, "succeeded")

    def rollback(self, platform: Any, environment: str, target: Any, state_dir: Path, **_: Any) -> DeploymentVersion:
        store = DeploymentStore(state_dir, "local", environment)
        source = rollback_source(store, None)
        version = store.begin(apps_to_roll_back(store, source, None), source.git_commit, source.version)
        write_environment(store.directory(version.version), self.platform.environment(environment))
        return store.finish(version, "succeeded")


def test_a_promotion_that_fails_validation_is_rolled_back_and_recorded(
    platform: PlatformConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fakes = FakeDeployments(platform, tmp_path)
    monkeypatch.setattr(promotion, "git_commit", lambda: "c1")
    monkeypatch.setattr(promotion, "run_gates", lambda platform, directory, on_line: directory.mkdir(parents=True))
    monkeypatch.setattr(promotion, "deploy_version", fakes.deploy_version)
    monkeypatch.setattr(promotion, "rollback", fakes.rollback)
    smoke_fails = Check("smoke order", "POST /orders", "201", "503", Outcome.failed)
    passes = Check("smoke order", "POST /orders", "201", "201", Outcome.passed)
    reports = iter(
        [ValidationReport("staging", "local", [smoke_fails]), ValidationReport("staging", "local", [passes])]
    )
    monkeypatch.setattr(promotion, "validate", lambda *_: next(reports))
    dev = record(DeploymentStore(tmp_path, "local", "dev"), "succeeded")
    write_environment(DeploymentStore(tmp_path, "local", "dev").directory(dev.version), platform.environment("dev"))
    record(DeploymentStore(tmp_path, "local", "staging"), "succeeded")

    result = promotion.promote(platform, "dev", "staging", Target(TargetKind.local, "http://x"), tmp_path)

    assert not result.ok and result.rolled_back
    assert result.failure == "validation of staging failed: smoke order POST /orders: expected 201, got 503"
    assert result.rollback_validation is not None and result.rollback_validation.ok
    history = DeploymentStore(tmp_path, "local", "staging").versions()
    assert [(v.version, v.result, v.source_version) for v in history] == [
        ("v0001", "succeeded", None),
        ("v0002", "rolled-back", None),
        ("v0003", "succeeded", "v0001"),
    ]
    assert "replaced by v0003" in history[1].detail
    left = [p.name for p in (tmp_path / "promotions").iterdir()]
    assert left in ([], ["gates-passed"])  # the gates' scratch is gone; what passed them may be kept


def test_terraform_lock_failure_names_the_holder() -> None:
    output = [
        "Acquiring state lock. This may take a few moments...",
        "Error: Error acquiring the state lock",
        "Error message: operation error DynamoDB: PutItem, ConditionalCheckFailedException",
        "Lock Info:",
        "  ID:        1d2c3b4a-0000-1111-2222-333344445555",
        "  Path:      trading-tfstate-tooling/env/dev/web-tier/terraform.tfstate",
        "  Operation: OperationTypeApply",
        "  Who:       ci@runner-7",
        "  Created:   2026-11-22 09:00:00 +0000 UTC",
    ]
    described = describe_terraform_failure(output)
    assert described is not None
    assert described.startswith(
        "the state is locked by another Terraform run (held by ci@runner-7, for OperationTypeApply"
    )
    assert "lock ID 1d2c3b4a-0000-1111-2222-333344445555" in described and "force-unlock" in described


def test_terraform_error_names_the_resource() -> None:
    output = [
        "Plan: 31 to add",
        "",
        "Error: no matching EC2 VPC found",
        "",
        "  with data.aws_vpc.network_vpc,",
        "  on cdk.tf.json line 12",
    ]
    assert describe_terraform_failure(output) == "no matching EC2 VPC found (with data.aws_vpc.network_vpc)"


NO_PROVIDER_OUTPUT = [
    "Initializing provider plugins...",
    '- Finding hashicorp/aws versions matching "5.100.0"...',
    "",
    "Error: Failed to query available provider packages",
    "",
    "Could not retrieve the list of available versions for provider hashicorp/aws: could not connect to",
    "registry.terraform.io: failed to request discovery document",
]


def test_a_provider_terraform_cannot_fetch_says_where_providers_come_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRADEINFRA_TF_PLUGIN_DIR", raising=False)
    assert describe_terraform_failure(NO_PROVIDER_OUTPUT) == (
        "Failed to query available provider packages: Terraform could not reach its registry; offline, set "
        "TRADEINFRA_TF_PLUGIN_DIR to a filesystem mirror of the AWS provider ('make' finds the machine image's)"
    )
    monkeypatch.setenv("TRADEINFRA_TF_PLUGIN_DIR", "/srv/empty-mirror")
    assert describe_terraform_failure(NO_PROVIDER_OUTPUT) == (
        "Failed to query available provider packages: the provider mirror TRADEINFRA_TF_PLUGIN_DIR=/srv/empty-mirror "
        "does not hold the AWS provider this project pins"
    )
