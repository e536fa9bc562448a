"""The only door to the AWS provider bindings (cdktf-cdktf-provider-aws).

The package's `__init__` imports all of its ~2,200 submodules (15-20 s). We
register an empty package object instead and import only the submodules the
web tier uses (~3 s). Keeping every provider import here also keeps a move to
CDK Terrain (the maintained fork of CDKTF) to this one file.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

_PACKAGE = "cdktf_cdktf_provider_aws"


def _register_bare_package() -> None:
    if _PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(f"{_PACKAGE} is not installed: run 'make setup'")
    package = types.ModuleType(_PACKAGE)
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    package.__package__ = _PACKAGE
    sys.modules[_PACKAGE] = package


_register_bare_package()

# isort: off
from cdktf_cdktf_provider_aws import (  # noqa: E402
    acm_certificate,
    acm_certificate_validation,
    autoscaling_group,
    autoscaling_policy,
    cloudwatch_log_group,
    data_aws_caller_identity,
    data_aws_elb_service_account,
    data_aws_iam_policy_document,
    data_aws_route53_zone,
    data_aws_ssm_parameter,
    data_aws_subnets,
    data_aws_vpc,
    db_instance,
    db_parameter_group,
    db_subnet_group,
    dynamodb_table,
    iam_instance_profile,
    iam_role,
    iam_role_policy,
    iam_role_policy_attachment,
    kms_alias,
    kms_key,
    launch_template,
    lb,
    lb_listener,
    lb_target_group,
    provider,
    route53_record,
    s3_bucket,
    s3_bucket_lifecycle_configuration,
    s3_bucket_logging,
    s3_bucket_policy,
    s3_bucket_public_access_block,
    s3_bucket_server_side_encryption_configuration,
    s3_bucket_versioning,
    s3_object,
    security_group,
    vpc_security_group_egress_rule,
    vpc_security_group_ingress_rule,
    wafv2_web_acl,
    wafv2_web_acl_association,
    wafv2_web_acl_logging_configuration,
)
# isort: on

__all__ = [
    "acm_certificate",
    "acm_certificate_validation",
    "autoscaling_group",
    "autoscaling_policy",
    "cloudwatch_log_group",
    "data_aws_caller_identity",
    "data_aws_elb_service_account",
    "data_aws_iam_policy_document",
    "data_aws_route53_zone",
    "data_aws_ssm_parameter",
    "data_aws_subnets",
    "data_aws_vpc",
    "db_instance",
    "db_parameter_group",
    "db_subnet_group",
    "dynamodb_table",
    "iam_instance_profile",
    "iam_role",
    "iam_role_policy",
    "iam_role_policy_attachment",
    "kms_alias",
    "kms_key",
    "launch_template",
    "lb",
    "lb_listener",
    "lb_target_group",
    "provider",
    "route53_record",
    "s3_bucket",
    "s3_bucket_lifecycle_configuration",
    "s3_bucket_logging",
    "s3_bucket_policy",
    "s3_bucket_public_access_block",
    "s3_bucket_server_side_encryption_configuration",
    "s3_bucket_versioning",
    "s3_object",
    "security_group",
    "vpc_security_group_egress_rule",
    "vpc_security_group_ingress_rule",
    "wafv2_web_acl",
    "wafv2_web_acl_association",
    "wafv2_web_acl_logging_configuration",
]
