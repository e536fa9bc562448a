"""RDS PostgreSQL in the private subnets; the master password is generated
and kept by Secrets Manager, never in state or code."""

from __future__ import annotations

import json

import cdktf
from constructs import Construct

from tradeinfra.config.models import DatabaseConfig
from tradeinfra.tf.aws import db_instance, db_parameter_group, db_subnet_group, iam_role, iam_role_policy_attachment
from tradeinfra.tf.constructs.storage import account_key
from tradeinfra.tf.inputs import WebTierInputs


class Database(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        inputs: WebTierInputs,
        database: DatabaseConfig,
        subnet_ids: list[str],
        security_group_id: str,
    ) -> None:
        super().__init__(scope, construct_id)
        key = account_key(self, "key", description="Encrypts the web-tier database", account_id=inputs.aws_account_id)
        major = database.engine_version.split(".")[0]
        parameters = db_parameter_group.DbParameterGroup(
            self,
            "parameters",
            name=inputs.name("pg-web"),
            family=f"postgres{major}",
            description="Query logging and TLS-only connections",
            parameter=[
                db_parameter_group.DbParameterGroupParameter(name="log_statement", value="ddl"),
                db_parameter_group.DbParameterGroupParameter(name="log_min_duration_statement", value="1000"),
                db_parameter_group.DbParameterGroupParameter(name="rds.force_ssl", value="1"),
            ],
        )
        monitoring = iam_role.IamRole(
            self,
            "monitoring_role",
            name=inputs.name("role-rds-monitoring"),
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )
        iam_role_policy_attachment.IamRolePolicyAttachment(
            self,
            "monitoring_policy",
            role=monitoring.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        )
        subnets = db_subnet_group.DbSubnetGroup(
            self, "subnets", name=inputs.name("dbsubnets"), subnet_ids=subnet_ids, description="Private subnets"
        )
        self.instance = db_instance.DbInstance(
            self,
            "instance",
            identifier=inputs.name("rds"),
            engine="postgres",
            engine_version=database.engine_version,
            instance_class=inputs.db_instance_class,
            allocated_storage=database.allocated_storage_gb,
            max_allocated_storage=database.max_allocated_storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=key.arn,
            db_name=database.database_name,
            username=database.master_username,
            manage_master_user_password=True,
            port=database.port,
            multi_az=inputs.db_multi_az,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[security_group_id],
            publicly_accessible=False,
            backup_retention_period=inputs.db_backup_retention_days,
            backup_window=database.backup_window,
            maintenance_window=database.maintenance_window,
            copy_tags_to_snapshot=True,
            skip_final_snapshot=inputs.db_skip_final_snapshot,
            # Unique per instance (its creation time), so that a second
            # deploy -> destroy cycle never collides with an earlier snapshot;
            # fixed after creation (ignore_changes), so it is never a diff.
            final_snapshot_identifier=cdktf.Fn.join(
                "-", [inputs.name("rds-final"), cdktf.Fn.formatdate("YYYYMMDDhhmmss", cdktf.Fn.timestamp())]
            ),
            lifecycle=cdktf.TerraformResourceLifecycle(ignore_changes=["final_snapshot_identifier"]),
            deletion_protection=inputs.db_deletion_protection,
            auto_minor_version_upgrade=True,
            iam_database_authentication_enabled=True,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=key.arn,
            enabled_cloudwatch_logs_exports=["postgresql", "upgrade"],
            apply_immediately=False,
            parameter_group_name=parameters.name,
            monitoring_interval=60,
            monitoring_role_arn=monitoring.arn,
        )
