"""Typed access to the web tier's Terraform variables inside constructs."""

from __future__ import annotations

from dataclasses import dataclass

import cdktf
from constructs import Construct

from tradeinfra.tf.variables import VariableSpec


@dataclass(frozen=True)
class WebTierInputs:
    """Terraform references (tokens) of the per-environment values."""

    environment: str
    environment_suffix: str
    aws_region: str
    aws_account_id: str
    vpc_cidr: str
    db_instance_class: str
    db_multi_az: cdktf.IResolvable
    db_backup_retention_days: float
    db_skip_final_snapshot: cdktf.IResolvable
    db_deletion_protection: cdktf.IResolvable
    alb_deletion_protection: cdktf.IResolvable
    s3_force_destroy: cdktf.IResolvable
    asg_min_size: float
    asg_max_size: float
    asg_desired_capacity: float
    domain_name: str
    hosted_zone: str
    alb_access_logs: cdktf.IResolvable
    s3_versioning: cdktf.IResolvable
    alb_ingress_cidrs: list[str]
    retain_audit_logs: cdktf.IResolvable

    def name(self, resource_type: str) -> str:
        """`<type>-<environment>-<suffix>`, as a Terraform expression."""
        return f"{resource_type}-{self.environment}-{self.environment_suffix}"

    @staticmethod
    def count_if(flag: cdktf.IResolvable) -> float:
        """`count` that creates a resource only when `flag` is true."""
        return cdktf.Token.as_number(cdktf.Fn.conditional(flag, 1, 0))


def declare_variables(scope: Construct, specs: list[VariableSpec]) -> WebTierInputs:
    variables = {
        spec.name: cdktf.TerraformVariable(
            scope,
            spec.name,
            type=spec.type,
            description=spec.description,
            nullable=False,
            validation=[
                cdktf.TerraformVariableValidationConfig(condition=f"${{{condition}}}", error_message=message)
                for condition, message in spec.validations
            ]
            or None,
        )
        for spec in specs
    }

    def string(name: str) -> str:
        return variables[name].string_value

    def number(name: str) -> float:
        return variables[name].number_value

    def boolean(name: str) -> cdktf.IResolvable:
        return variables[name].boolean_value

    return WebTierInputs(
        environment=string("environment"),
        environment_suffix=string("environment_suffix"),
        aws_region=string("aws_region"),
        aws_account_id=string("aws_account_id"),
        vpc_cidr=string("vpc_cidr"),
        db_instance_class=string("db_instance_class"),
        db_multi_az=boolean("db_multi_az"),
        db_backup_retention_days=number("db_backup_retention_days"),
        db_skip_final_snapshot=boolean("db_skip_final_snapshot"),
        db_deletion_protection=boolean("db_deletion_protection"),
        alb_deletion_protection=boolean("alb_deletion_protection"),
        s3_force_destroy=boolean("s3_force_destroy"),
        asg_min_size=number("asg_min_size"),
        asg_max_size=number("asg_max_size"),
        asg_desired_capacity=number("asg_desired_capacity"),
        domain_name=string("domain_name"),
        hosted_zone=string("hosted_zone"),
        alb_access_logs=boolean("alb_access_logs"),
        s3_versioning=boolean("s3_versioning"),
        alb_ingress_cidrs=variables["alb_ingress_cidrs"].list_value,
        retain_audit_logs=boolean("retain_audit_logs"),
    )
