"""The DynamoDB orders table."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from constructs import Construct

from tradeinfra.cdk.base import TradingStack
from tradeinfra.cdk.compliance import acknowledge
from tradeinfra.cdk.constructs.encryption import EncryptionKey, removal_policy
from tradeinfra.config import references
from tradeinfra.config.models import DataConfig, EnvironmentConfig
from tradeinfra.config.naming import ResourceKind, cdk_name
from tradeinfra.runtime.order_processor.models import EXPIRES_AT_ATTRIBUTE


class DataStack(TradingStack):
    def __init__(self, scope: Construct, *, environment: EnvironmentConfig, data: DataConfig) -> None:
        super().__init__(scope, "data", environment=environment, description="Orders table")
        env = environment.name
        key = EncryptionKey(
            self,
            "TableKey",
            alias=cdk_name(env, "orders-table"),
            description="Encrypts the orders table",
            retain=data.retain_on_delete,
        ).key
        self.table = dynamodb.Table(
            self,
            "OrdersTable",
            table_name=cdk_name(env, "orders", ResourceKind.DYNAMODB_TABLE),
            partition_key=dynamodb.Attribute(name="order_id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PROVISIONED,
            read_capacity=data.read_capacity,
            write_capacity=data.write_capacity,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=data.point_in_time_recovery
            ),
            deletion_protection=data.deletion_protection,
            removal_policy=removal_policy(data.retain_on_delete),
            # Validation records (validate-only requests) expire by themselves.
            time_to_live_attribute=EXPIRES_AT_ATTRIBUTE,
        )
        if data.backup_retention_days is not None:
            self._backup_plan(env, data.backup_retention_days, data.retain_on_delete)
        else:  # a declared variation: no backup plan outside production
            acknowledge(
                self.table,
                {
                    "NIST.800.53.R5::NIST.800.53.R5-DynamoDBInBackupPlan": "No backup plan by config (data.backup_retention_days): disposable test data",
                },
            )
        if not data.point_in_time_recovery:  # a declared variation: off outside production
            acknowledge(
                self.table,
                {
                    "AwsSolutions::AwsSolutions-DDB3": "Point-in-time recovery is off by config (data.point_in_time_recovery): disposable test data",
                    "NIST.800.53.R5::NIST.800.53.R5-DynamoDBPITREnabled": "Point-in-time recovery is off by config (data.point_in_time_recovery): disposable test data",
                },
            )
        if data.autoscaling is not None:
            scaling = data.autoscaling
            self.table.auto_scale_read_capacity(
                min_capacity=data.read_capacity, max_capacity=scaling.max_read_capacity
            ).scale_on_utilization(target_utilization_percent=scaling.target_utilization_percent)
            self.table.auto_scale_write_capacity(
                min_capacity=data.write_capacity, max_capacity=scaling.max_write_capacity
            ).scale_on_utilization(target_utilization_percent=scaling.target_utilization_percent)
        self.publish(references.TABLE_NAME, self.table.table_name)
        self.publish(references.TABLE_ARN, self.table.table_arn)
        self.publish(references.TABLE_KEY_ARN, key.key_arn)
        self.retire_exports(self.table.table_name, self.table.table_arn, key.key_arn)

    def _backup_plan(self, env: str, retention_days: int, retain: bool) -> None:
        """A daily AWS Backup of the table into its own encrypted vault."""
        vault = backup.BackupVault(
            self,
            "BackupVault",
            backup_vault_name=cdk_name(env, "orders-backups"),
            encryption_key=EncryptionKey(
                self,
                "BackupKey",
                alias=cdk_name(env, "orders-backups"),
                description="Encrypts the table's backups",
                retain=retain,
            ).key,
            removal_policy=removal_policy(retain),
        )
        plan = backup.BackupPlan(self, "BackupPlan", backup_plan_name=cdk_name(env, "orders-daily"), backup_vault=vault)
        plan.add_rule(
            backup.BackupPlanRule(
                rule_name="daily",
                schedule_expression=events.Schedule.cron(hour="5", minute="0"),
                delete_after=cdk.Duration.days(retention_days),
            )
        )
        selection = plan.add_selection(
            "OrdersTable", resources=[backup.BackupResource.from_dynamo_db_table(self.table)]
        )
        acknowledge(
            selection,
            {
                "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]": "The service role policy AWS documents for AWS Backup to take backups",
            },
        )
