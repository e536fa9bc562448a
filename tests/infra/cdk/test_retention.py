"""What outlives a stack: audit logs and their keys, and write-once trade
records, read from the synthesized templates per environment."""

from __future__ import annotations

import pytest

from tests.infra.cdk.conftest import Assembly
from tradeinfra.config.loader import PlatformConfig

ENVS = ("dev", "staging", "prod")


def _keys_of(stack: dict, log_group: dict) -> str:
    """The logical ID of the key a log group is encrypted with."""
    return str(log_group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0])


@pytest.mark.parametrize("env", ENVS)
def test_every_log_group_and_its_key_follow_retain_audit_logs(
    assembly: Assembly, platform: PlatformConfig, env: str
) -> None:
    retain = platform.environment(env).security.retain_audit_logs
    expected = "Retain" if retain else "Delete"
    log_groups = 0
    for stack in assembly[env].values():
        resources = stack.template["Resources"]
        for logical_id, group in stack.resources("AWS::Logs::LogGroup").items():
            log_groups += 1
            assert group["Properties"]["RetentionInDays"] == 365, f"{stack.stack_name}/{logical_id}"
            assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == (expected, expected), logical_id
            key = resources[_keys_of(resources, group)]
            assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == (expected, expected), logical_id
            assert key["Properties"]["PendingWindowInDays"] == (30 if retain else 7)
    # API access and WAF, flow logs, order processor, two release hooks, drift detector
    assert log_groups == 7
    assert platform.environment("prod").security.retain_audit_logs is True


@pytest.mark.parametrize("env", ENVS)
def test_trade_records_are_write_once_where_config_locks_them(
    assembly: Assembly, platform: PlatformConfig, env: str
) -> None:
    storage = platform.environment(env).storage
    stack = assembly[env]["storage"]
    bucket = next(
        b["Properties"]
        for b in stack.resources("AWS::S3::Bucket").values()
        if "trade-data" in b["Properties"]["BucketName"]
    )
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    if storage.object_lock is None:
        assert "ObjectLockEnabled" not in bucket and "ObjectLockConfiguration" not in bucket
    else:
        mode = storage.object_lock.mode
        assert bucket["ObjectLockEnabled"] is True
        assert bucket["ObjectLockConfiguration"] == {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": mode, "Days": storage.object_lock.retention_days}},
        }
    if storage.trade_data_expiration_days is None:
        assert "NoncurrentVersionExpiration" not in rule and "ExpirationInDays" not in rule
    else:
        assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == storage.noncurrent_version_expiration_days


def test_prod_trade_records_locked_in_compliance_mode_and_kept_indefinitely(assembly: Assembly) -> None:
    bucket = next(
        b
        for b in assembly["prod"]["storage"].resources("AWS::S3::Bucket").values()
        if "trade-data" in b["Properties"]["BucketName"]
    )
    properties = bucket["Properties"]
    assert properties["ObjectLockConfiguration"]["Rule"]["DefaultRetention"] == {"Mode": "COMPLIANCE", "Days": 2557}
    (rule,) = properties["LifecycleConfiguration"]["Rules"]
    assert set(rule) == {"Id", "Status", "AbortIncompleteMultipartUpload"}
    assert bucket["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("env", ENVS)
def test_orders_are_backed_up_daily_where_config_asks(assembly: Assembly, platform: PlatformConfig, env: str) -> None:
    data = platform.environment(env).data
    stack = assembly[env]["data"]
    plans = stack.resources("AWS::Backup::BackupPlan")
    if data.backup_retention_days is None:
        assert plans == {} and stack.resources("AWS::Backup::BackupVault") == {}
        return
    (plan,) = plans.values()
    (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rule["ScheduleExpression"] == "cron(0 5 * * ? *)"
    assert rule["Lifecycle"] == {"DeleteAfterDays": data.backup_retention_days}
    vault = stack.only("AWS::Backup::BackupVault")
    assert "EncryptionKeyArn" in vault["Properties"] and vault["DeletionPolicy"] == "Retain"
    selection = stack.only("AWS::Backup::BackupSelection")["Properties"]["BackupSelection"]
    (table_id,) = stack.resources("AWS::DynamoDB::Table")
    assert selection["Resources"] == [{"Fn::GetAtt": [table_id, "Arn"]}]
    assert platform.environment("prod").data.backup_retention_days == 35
