"""The web tier's Terraform variables: exactly the settings that may differ
between environments (the environment's identity plus the declared
variations the web tier uses). Everything else is the same in every
environment and is written into the synthesized configuration as a constant.

Each variable carries Terraform `validation` blocks, so a bad tfvars file is
rejected by Terraform itself, and knows which config setting it carries, so
`terraform/<env>.tfvars` is generated from config/.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.models import EnvironmentConfig

Validation = tuple[str, str]  # (Terraform condition, error message)


@dataclass(frozen=True)
class VariableSpec:
    name: str
    type: str
    description: str
    source: str  # the config setting it carries (dotted), or "identity.<field>"
    value: Callable[[EnvironmentConfig], Any]
    validations: Sequence[Validation] = field(default_factory=tuple)


def _cidr_ok(expression: str) -> str:
    return f"can(cidrhost({expression}, 0))"


def variable_specs(platform: PlatformConfig) -> list[VariableSpec]:
    """Every web-tier variable, with validations built from the config's own rules."""
    names = platform.names
    first = platform.environment(names[0])
    allowed_classes = first.web_tier.database.allowed_instance_classes
    return [
        VariableSpec(
            "environment", "string", "Environment name; also the Terraform workspace.", "identity.name",
            lambda e: e.name,
            [(f"contains({json.dumps(names)}, var.environment)", f"environment must be one of {', '.join(names)}.")],
        ),
        VariableSpec(
            "environment_suffix", "string", "Suffix of every resource name (<type>-<environment>-<suffix>).",
            "web_tier.environment_suffix", lambda e: e.web_tier.environment_suffix,
            [("can(regex(\"^[a-z0-9]{2,8}$\", var.environment_suffix))",
              "environment_suffix must be 2-8 lowercase letters or digits.")],
        ),
        VariableSpec(
            "aws_region", "string", "Region of the web tier.", "identity.region", lambda e: e.web_tier_region,
            [("can(regex(\"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$\", var.aws_region))",
              "aws_region must be an AWS region such as us-east-1.")],
        ),
        VariableSpec(
            "aws_account_id", "string", "The environment's AWS account; the provider refuses any other.",
            "identity.account", lambda e: e.account,
            [("can(regex(\"^[0-9]{12}$\", var.aws_account_id))", "aws_account_id must be 12 digits.")],
        ),
        VariableSpec(
            "vpc_cidr", "string", "CIDR block of the environment's VPC; every resource must lie inside it.",
            "network.vpc_cidr", lambda e: e.network.vpc_cidr,
            [(_cidr_ok("var.vpc_cidr"), "vpc_cidr must be a CIDR block such as 10.30.0.0/16.")],
        ),
        VariableSpec(
            "db_instance_class", "string", "RDS instance class.", "web_tier.database.instance_class",
            lambda e: e.web_tier.database.instance_class,
            [(f"contains({json.dumps(allowed_classes)}, var.db_instance_class)",
              f"db_instance_class must be one of {', '.join(allowed_classes)}.")],
        ),
        VariableSpec("db_multi_az", "bool", "Run a standby in a second AZ.", "web_tier.database.multi_az",
                     lambda e: e.web_tier.database.multi_az),
        VariableSpec(
            "db_backup_retention_days", "number", "Days of automated RDS backups.",
            "web_tier.database.backup_retention_days", lambda e: e.web_tier.database.backup_retention_days,
            [("var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35",
              "db_backup_retention_days must be between 1 and 35.")],
        ),
        VariableSpec("db_skip_final_snapshot", "bool", "Skip the final snapshot when the database is destroyed.",
                     "web_tier.database.skip_final_snapshot", lambda e: e.web_tier.database.skip_final_snapshot),
        VariableSpec("db_deletion_protection", "bool", "RDS deletion protection.",
                     "web_tier.database.deletion_protection", lambda e: e.web_tier.database.deletion_protection),
        VariableSpec("alb_deletion_protection", "bool", "Load balancer deletion protection.",
                     "web_tier.load_balancer.deletion_protection", lambda e: e.web_tier.load_balancer.deletion_protection),
        VariableSpec("s3_force_destroy", "bool", "Destroy the web-tier buckets even when they hold objects.",
                     "web_tier.storage.force_destroy", lambda e: e.web_tier.storage.force_destroy),
        VariableSpec(
            "asg_min_size", "number", "Minimum number of web instances.", "web_tier.autoscaling.min_size",
            lambda e: e.web_tier.autoscaling.min_size,
            [("var.asg_min_size >= 0 && var.asg_min_size <= 100 && floor(var.asg_min_size) == var.asg_min_size",
              "asg_min_size must be a whole number between 0 and 100.")],
        ),
        VariableSpec(
            "asg_max_size", "number", "Maximum number of web instances.", "web_tier.autoscaling.max_size",
            lambda e: e.web_tier.autoscaling.max_size,
            [("var.asg_max_size >= 1 && var.asg_max_size <= 100 && floor(var.asg_max_size) == var.asg_max_size",
              "asg_max_size must be a whole number between 1 and 100.")],
        ),
        VariableSpec(
            "asg_desired_capacity", "number", "Desired number of web instances.",
            "web_tier.autoscaling.desired_capacity", lambda e: e.web_tier.autoscaling.desired_capacity,
            [("var.asg_desired_capacity >= 0 && var.asg_desired_capacity <= 100 && floor(var.asg_desired_capacity) == var.asg_desired_capacity",
              "asg_desired_capacity must be a whole number between 0 and 100.")],
        ),
        VariableSpec(
            "domain_name", "string", "DNS name the web tier serves (its certificate's name).",
            "web_tier.load_balancer.domain_name", lambda e: e.web_tier.load_balancer.domain_name,
            [("can(regex(\"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\\\.)+[a-z]{2,63}$\", var.domain_name))",
              "domain_name must be a DNS name such as web.example.com."),
             ("endswith(var.domain_name, \".${var.hosted_zone}\")", "domain_name must lie inside hosted_zone.")],
        ),
        VariableSpec(
            "hosted_zone", "string", "Public Route 53 zone that holds domain_name and its validation record.",
            "web_tier.load_balancer.hosted_zone", lambda e: e.web_tier.load_balancer.hosted_zone,
        ),
        VariableSpec("alb_access_logs", "bool", "Write ALB access logs to an S3 bucket.",
                     "web_tier.load_balancer.access_logs", lambda e: e.web_tier.load_balancer.access_logs),
        VariableSpec("s3_versioning", "bool", "Keep object versions in the web bucket.",
                     "web_tier.storage.versioning", lambda e: e.web_tier.storage.versioning),
        VariableSpec(
            "alb_ingress_cidrs", "list(string)", "CIDR blocks allowed to reach the load balancer.",
            "web_tier.security.alb_ingress_cidrs", lambda e: list(e.web_tier.security.alb_ingress_cidrs),
            [
                ("length(var.alb_ingress_cidrs) > 0 && alltrue([for c in var.alb_ingress_cidrs : can(cidrhost(c, 0))])",
                 "alb_ingress_cidrs must be a non-empty list of CIDR blocks."),
                ("!contains(var.alb_ingress_cidrs, \"0.0.0.0/0\")",
                 "alb_ingress_cidrs must not contain 0.0.0.0/0: open the load balancer in config/ with a reason instead."),
            ],
        ),
        VariableSpec("retain_audit_logs", "bool", "Keep the WAF log group when the web tier is destroyed.",
                     "security.retain_audit_logs", lambda e: e.security.retain_audit_logs),
    ]  # fmt: skip


def render_tfvars(specs: Sequence[VariableSpec], env: EnvironmentConfig) -> str:
    """`terraform/<env>.tfvars` for one environment (HCL; values as JSON literals)."""
    width = max(len(spec.name) for spec in specs)
    lines = [
        f"# {env.name}: generated by `tradeinfra synth` from config/. Do not edit; change config/ instead.",
        "# Only the environment's identity and its declared variations are variables.",
    ]
    lines += [f"{spec.name.ljust(width)} = {json.dumps(spec.value(env))}" for spec in specs]
    return "\n".join(lines) + "\n"
