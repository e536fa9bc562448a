"""`tradeinfra destroy` refuses a protected environment before touching
anything, and names what CloudFormation keeps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tradeinfra.cli import main
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.ops.destroy import (
    DestroyRefusedError,
    check_confirmed,
    check_web_tier_unprotected,
    kept_by_cloudformation,
)
from tradeinfra.ops.versions import DeploymentStore


def test_prod_is_refused_without_confirmation(platform: PlatformConfig) -> None:
    with pytest.raises(DestroyRefusedError, match=r"--env prod: a protected environment .* --confirm prod"):
        check_confirmed(platform, "prod", None)
    with pytest.raises(DestroyRefusedError, match=r"--env prod: a protected environment"):
        check_confirmed(platform, "prod", "staging")  # naming another environment is no confirmation
    with pytest.raises(DestroyRefusedError, match=r"--confirm staging: expected the environment being destroyed, dev"):
        check_confirmed(platform, "dev", "staging")
    check_confirmed(platform, "prod", "prod")
    check_confirmed(platform, "dev", None)  # not protected


def test_cli_refuses_prod_before_reaching_any_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # no emulator runs for this state dir: the refusal comes first, nothing is touched
    assert main(["destroy", "--env", "prod", "--state-dir", str(tmp_path)]) == 1
    assert "--confirm prod" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_a_protected_web_tier_is_refused_even_when_confirmed(
    platform: PlatformConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(DestroyRefusedError) as refused:
        check_web_tier_unprotected(platform, "prod")
    assert str(refused.value) == (
        "--env prod: the web tier is protected (web_tier.database.deletion_protection, "
        "web_tier.load_balancer.deletion_protection): nothing was destroyed; to destroy it, turn that off "
        "in config/environments/prod.yaml and deploy first"
    )
    check_web_tier_unprotected(platform, "dev")
    assert main(["destroy", "--env", "prod", "--confirm", "prod", "--state-dir", str(tmp_path)]) == 1
    assert "the web tier is protected" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_retained_resources_are_listed_as_kept(tmp_path: Path) -> None:
    assembly = tmp_path / "cdk.out"
    nested = assembly / "assembly-prod"
    nested.mkdir(parents=True)
    template = {
        "Resources": {
            "Orders": {
                "Type": "AWS::DynamoDB::Table",
                "DeletionPolicy": "Retain",
                "Properties": {"TableName": "prod-trading-orders"},
            },
            "Queue": {
                "Type": "AWS::SQS::Queue",
                "DeletionPolicy": "Delete",
                "Properties": {"QueueName": "prod-trading-orders"},
            },
        }
    }
    (nested / "prodData.template.json").write_text(json.dumps(template))
    (nested / "manifest.json").write_text(json.dumps({"artifacts": {"prodData": {
        "type": "aws:cloudformation:stack", "displayName": "prod/data (prod-trading-data)",
        "environment": "aws://333333333333/us-east-1",
        "properties": {"templateFile": "prodData.template.json", "stackName": "prod-trading-data"},
    }}}))  # fmt: skip
    (assembly / "manifest.json").write_text(json.dumps({"artifacts": {"assembly-prod": {
        "type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-prod"},
    }}}))  # fmt: skip
    assert kept_by_cloudformation(assembly, "prod") == ["AWS::DynamoDB::Table prod-trading-data/prod-trading-orders"]


def test_a_destroyed_app_is_no_longer_the_last_deployed(tmp_path: Path) -> None:
    store = DeploymentStore(tmp_path, "local", "dev")
    deployed = store.finish(store.begin(["cdk", "tf"], "c"), "succeeded")
    assert store.last_succeeded(apps=["tf"]) == deployed
    store.finish(store.begin(["tf"], "c"), "destroyed")
    assert store.last_succeeded(apps=["tf"]) is None
    assert store.last_succeeded(apps=["cdk"]) == deployed  # only the web tier was torn down
