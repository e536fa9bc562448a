"""The synthesized web tier, resource by resource (cdktf Testing API for
presence/properties, plain JSON for the rest)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cdktf import Testing as CdktfTesting

from tests.infra.tf.conftest import TfSynth
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.tags import MANDATORY_TAG_KEYS
from tradeinfra.synthesized.terraform import read_tfvars


@pytest.fixture(scope="module")
def web(tf_synth: TfSynth) -> dict[str, Any]:
    return tf_synth.stack("web-tier")


@pytest.fixture(scope="module")
def web_json(web: dict[str, Any]) -> str:
    return json.dumps(web)


def only(web: dict[str, Any], resource_type: str, kind: str = "resource") -> dict[str, Any]:
    resources = list(web[kind][resource_type].values())
    assert len(resources) == 1, f"{resource_type}: {len(resources)}"
    return resources[0]


def policy_text(web: dict[str, Any], value: str) -> str:
    """A policy as JSON text: written inline, or the statements of the
    aws_iam_policy_document it references."""
    prefix = "${data.aws_iam_policy_document."
    if value.startswith(prefix):
        name = value.removeprefix(prefix).removesuffix(".json}")
        return json.dumps(web["data"]["aws_iam_policy_document"][name]["statement"])
    return value


def has(web_json: str, resource_type: str, properties: dict[str, Any]) -> bool:
    return bool(CdktfTesting.to_have_resource_with_properties(web_json, resource_type, properties))


def test_versions(web: dict[str, Any]) -> None:
    # use_lockfile needs 1.10: an older Terraform must be refused, not run
    assert web["terraform"]["required_version"] == ">= 1.10"
    assert web["terraform"]["required_providers"]["aws"]["version"] == "~> 5.100"


def test_s3_backend_with_dynamodb_locking_and_lockfile(
    web: dict[str, Any], platform: PlatformConfig, tf_synth: TfSynth
) -> None:
    state = platform.environment("prod").terraform_state
    backend = web["terraform"]["backend"]["s3"]
    assert backend == {
        "bucket": state.bucket,
        "key": state.key,
        "region": state.region,
        "dynamodb_table": state.lock_table,
        "encrypt": True,
        "kms_key_id": f"alias/{state.bucket}",  # the state bucket's key, not S3-managed keys
        "workspace_key_prefix": state.workspace_key_prefix,
        "use_lockfile": True,
    }
    state_backend = tf_synth.stack("state-backend")["resource"]
    (alias,) = state_backend["aws_kms_alias"].values()
    assert alias["name"] == backend["kms_key_id"]
    assert alias["target_key_id"].startswith("${aws_kms_key.")


def test_provider_default_tags_and_account_guard(web: dict[str, Any]) -> None:
    (aws,) = web["provider"]["aws"]
    tags = aws["default_tags"][0]["tags"]
    assert set(tags) == set(MANDATORY_TAG_KEYS)
    assert tags["Environment"] == "${var.environment}" and tags["ManagedBy"] == "tradeinfra-cdktf"
    assert aws["region"] == "${var.aws_region}"
    assert aws["allowed_account_ids"] == ["${var.aws_account_id}"]


def test_variables_have_validations(web: dict[str, Any]) -> None:
    variables = web["variable"]
    for name in ("environment", "environment_suffix", "aws_region", "vpc_cidr", "db_instance_class",
                 "asg_min_size", "asg_max_size", "asg_desired_capacity", "alb_ingress_cidrs"):  # fmt: skip
        assert variables[name].get("validation"), name
    assert (
        'contains(["dev", "staging", "prod"], var.environment)'
        in variables["environment"]["validation"][0]["condition"]
    )


def test_rds(web_json: str, web: dict[str, Any], platform: PlatformConfig) -> None:
    database = platform.environment("prod").web_tier.database
    assert has(web_json, "aws_db_instance", {
        "engine": "postgres",
        "engine_version": database.engine_version,
        "instance_class": "${var.db_instance_class}",
        "multi_az": "${var.db_multi_az}",
        "storage_encrypted": True,
        "manage_master_user_password": True,
        "backup_retention_period": "${var.db_backup_retention_days}",
        "backup_window": database.backup_window,
        "maintenance_window": database.maintenance_window,
        "deletion_protection": "${var.db_deletion_protection}",
        "skip_final_snapshot": "${var.db_skip_final_snapshot}",
        "publicly_accessible": False,
        "identifier": "rds-${var.environment}-${var.environment_suffix}",
    })  # fmt: skip
    instance = only(web, "aws_db_instance")
    assert "password" not in instance
    assert instance["db_subnet_group_name"].startswith("${aws_db_subnet_group.")


def test_launch_template_and_asg(web_json: str, web: dict[str, Any]) -> None:
    template = only(web, "aws_launch_template")
    assert template["metadata_options"] == {
        "http_endpoint": "enabled",
        "http_tokens": "required",
        "http_put_response_hop_limit": 1,
    }
    ebs = template["block_device_mappings"][0]["ebs"]
    assert ebs["encrypted"] == "true" and ebs["volume_type"] == "gp3"
    assert template["iam_instance_profile"]["arn"].startswith("${aws_iam_instance_profile.")
    asg = only(web, "aws_autoscaling_group")
    assert (asg["min_size"], asg["max_size"], asg["desired_capacity"]) == (
        "${var.asg_min_size}", "${var.asg_max_size}", "${var.asg_desired_capacity}",
    )  # fmt: skip
    assert asg["health_check_type"] == "ELB"
    # the provider's default_tags do not reach an ASG: every mandatory tag is
    # on the group itself and propagated to the instances it launches
    (provider,) = web["provider"]["aws"]
    tags = {tag["key"]: tag for tag in asg["tag"]}
    for key, value in provider["default_tags"][0]["tags"].items():
        assert tags[key]["value"] == value and tags[key]["propagate_at_launch"] is True, key
    assert {"Environment", "Project", "ManagedBy", "Name"} <= set(tags)
    (precondition,) = asg["lifecycle"]["precondition"]
    assert "var.asg_min_size <= var.asg_desired_capacity" in precondition["condition"]
    assert "var.asg_desired_capacity <= var.asg_max_size" in precondition["condition"]
    policy = only(web, "aws_autoscaling_policy")
    assert policy["policy_type"] == "TargetTrackingScaling"


def test_alb_target_group_listener(web: dict[str, Any], platform: PlatformConfig) -> None:
    settings = platform.environment("prod").web_tier.load_balancer
    alb = only(web, "aws_lb")
    assert alb["name"] == "alb-${var.environment}-${var.environment_suffix}"
    assert alb["drop_invalid_header_fields"] is True
    assert alb["enable_deletion_protection"] == "${var.alb_deletion_protection}"
    assert alb["access_logs"]["enabled"] == "${var.alb_access_logs}"
    health = only(web, "aws_lb_target_group")["health_check"]
    assert (health["path"], health["interval"], health["healthy_threshold"], health["unhealthy_threshold"]) == (
        settings.health_check_path, settings.health_check_interval_seconds, settings.healthy_threshold,
        settings.unhealthy_threshold,
    )  # fmt: skip
    assert alb["internal"] is (not settings.internet_facing)


def test_https_only_with_tls13_and_an_issued_certificate(web: dict[str, Any], platform: PlatformConfig) -> None:
    settings = platform.environment("prod").web_tier.load_balancer
    listeners = {listener["protocol"]: listener for listener in web["resource"]["aws_lb_listener"].values()}
    assert set(listeners) == {"HTTPS", "HTTP"}
    https, http = listeners["HTTPS"], listeners["HTTP"]
    assert https["port"] == settings.https_port == 443
    assert https["ssl_policy"] == settings.tls_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["default_action"][0]["type"] == "forward"
    # the listener takes the certificate only once DNS validation issued it
    assert https["certificate_arn"].startswith("${aws_acm_certificate_validation.")
    # plain HTTP serves nothing: a permanent redirect to the HTTPS port
    assert http["port"] == settings.listener_port
    (action,) = http["default_action"]
    assert action["type"] == "redirect"
    assert action["redirect"] == {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}
    certificate = only(web, "aws_acm_certificate")
    assert certificate["domain_name"] == "${var.domain_name}" and certificate["validation_method"] == "DNS"
    assert certificate["lifecycle"]["create_before_destroy"] is True
    validation = only(web, "aws_acm_certificate_validation")
    assert validation["certificate_arn"].startswith("${aws_acm_certificate.")
    (record,) = [r for r in web["resource"]["aws_route53_record"].values() if r["type"] != "A"]
    assert "domain_validation_options)[0].resource_record_name" in record["name"]
    record_name = next(name for name, r in web["resource"]["aws_route53_record"].items() if r["type"] != "A")
    assert validation["validation_record_fqdns"] == [f"${{aws_route53_record.{record_name}.fqdn}}"]
    alias = next(r for r in web["resource"]["aws_route53_record"].values() if r["type"] == "A")
    assert alias["name"] == "${var.domain_name}" and alias["alias"]["name"].startswith("${aws_lb.")
    assert only(web, "aws_route53_zone", kind="data")["name"] == "${var.hosted_zone}"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_each_environment_serves_its_own_domain(tf_synth: TfSynth, platform: PlatformConfig, env: str) -> None:
    tfvars, _ = read_tfvars(tf_synth.tfvars / f"{env}.tfvars")
    settings = platform.environment(env).web_tier.load_balancer
    assert (tfvars["domain_name"], tfvars["hosted_zone"]) == (settings.domain_name, settings.hosted_zone)
    assert tfvars["domain_name"].endswith("." + tfvars["hosted_zone"])


def test_waf_with_managed_rules_and_a_per_client_rate_limit_on_the_alb(
    web: dict[str, Any], platform: PlatformConfig
) -> None:
    settings = platform.environment("prod").web_tier.load_balancer
    acl = only(web, "aws_wafv2_web_acl")
    assert acl["scope"] == "REGIONAL" and "allow" in acl["default_action"]
    rules = {rule["name"]: rule for rule in acl["rule"]}
    for group in ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                  "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAnonymousIpList"):  # fmt: skip
        (statement,) = rules[group]["statement"]
        assert statement["managed_rule_group_statement"] == [{"name": group, "vendor_name": "AWS"}]
    rate = rules["PerClientRateLimit"]
    assert "block" in rate["action"]
    assert rate["statement"] == [
        {"rate_based_statement": [{"limit": settings.client_rate_limit_per_5_minutes, "aggregate_key_type": "IP",
                                   "evaluation_window_sec": 300}]}
    ]  # fmt: skip
    association = only(web, "aws_wafv2_web_acl_association")
    assert association["resource_arn"].startswith("${aws_lb.") and association["web_acl_arn"].startswith(
        "${aws_wafv2_web_acl."
    )
    logging = only(web, "aws_wafv2_web_acl_logging_configuration")
    group = only(web, "aws_cloudwatch_log_group")
    assert group["name"].startswith("aws-waf-logs-") and group["retention_in_days"] == 365
    assert group["kms_key_id"].startswith("${aws_kms_key.") and group["skip_destroy"] == "${var.retain_audit_logs}"
    group_name = next(iter(web["resource"]["aws_cloudwatch_log_group"]))
    assert logging["log_destination_configs"] == [f"${{aws_cloudwatch_log_group.{group_name}.arn}}"]


def test_access_log_bucket_only_where_enabled(web: dict[str, Any]) -> None:
    counted = {
        resource_type: [r for r in resources.values() if r.get("count") == "${var.alb_access_logs ? 1 : 0}"]
        for resource_type, resources in web["resource"].items()
    }
    for resource_type in ("aws_s3_bucket", "aws_s3_bucket_policy", "aws_s3_bucket_public_access_block",
                          "aws_s3_bucket_server_side_encryption_configuration"):  # fmt: skip
        assert len(counted[resource_type]) == 1, resource_type
    (policy,) = counted["aws_s3_bucket_policy"]
    assert "data.aws_elb_service_account" in policy["policy"] and "s3:PutObject" in policy["policy"]


def test_web_bucket(web: dict[str, Any]) -> None:
    buckets = web["resource"]["aws_s3_bucket"]
    web_bucket = next(b for b in buckets.values() if b["bucket"].startswith("web-"))
    assert web_bucket["bucket"] == "web-${var.environment}-${var.environment_suffix}"
    versioning = {v["count"]: v for v in web["resource"]["aws_s3_bucket_versioning"].values()}
    assert set(versioning) == {"${var.s3_versioning ? 1 : 0}", "${var.alb_access_logs ? 1 : 0}"}
    web_versioning = versioning["${var.s3_versioning ? 1 : 0}"]
    assert web_versioning["bucket"].startswith("${aws_s3_bucket.storage_bucket")
    assert web_versioning["versioning_configuration"] == {"status": "Enabled"}
    encryption = [
        e["rule"][0]["apply_server_side_encryption_by_default"]["sse_algorithm"]
        for e in web["resource"]["aws_s3_bucket_server_side_encryption_configuration"].values()
    ]
    assert sorted(encryption) == ["AES256", "aws:kms"]  # ALB logs need SSE-S3
    blocks = web["resource"]["aws_s3_bucket_public_access_block"].values()
    assert all(all(b[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                          "restrict_public_buckets")) for b in blocks)  # fmt: skip
    policies = [policy_text(web, p["policy"]) for p in web["resource"]["aws_s3_bucket_policy"].values()]
    assert all("aws:SecureTransport" in p for p in policies)
    rules = [
        rule
        for lifecycle in web["resource"]["aws_s3_bucket_lifecycle_configuration"].values()
        for rule in lifecycle["rule"]
    ]
    tiering = next(r for r in rules if r["id"] == "tiering-and-old-versions")
    assert tiering["transition"][0]["storage_class"] == "STANDARD_IA"
    assert tiering["noncurrent_version_expiration"][0]["noncurrent_days"] >= 1


def test_security_groups_least_privilege(web: dict[str, Any]) -> None:
    ingress = web["resource"]["aws_vpc_security_group_ingress_rule"]
    clients = [r for r in ingress.values() if "cidr_ipv4" in r]
    assert sorted(r["from_port"] for r in clients) == [80, 443]  # HTTPS, and HTTP that only redirects
    for rule in clients:
        assert rule["for_each"] == "${toset(var.alb_ingress_cidrs)}" and rule["cidr_ipv4"] == "${each.value}"
        assert rule["from_port"] == rule["to_port"]
    assert all("referenced_security_group_id" in r for r in ingress.values() if r not in clients)
    rules = list(ingress.values()) + list(web["resource"]["aws_vpc_security_group_egress_rule"].values())
    open_rules = [r for r in rules if r.get("cidr_ipv4") == "0.0.0.0/0"]
    assert all(r["from_port"] == 443 and r["to_port"] == 443 for r in open_rules)  # egress HTTPS only
    assert not any(r.get("cidr_ipv4") == "0.0.0.0/0" for r in ingress.values())


def test_instance_role_least_privilege(web: dict[str, Any]) -> None:
    attachments = {a["policy_arn"]: a for a in web["resource"]["aws_iam_role_policy_attachment"].values()}
    assert set(attachments) == {
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",  # the instance role
        "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",  # RDS monitoring role
    }
    assert attachments["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]["role"].startswith(
        "${aws_iam_role.compute_role"
    )
    policy = policy_text(web, only(web, "aws_iam_role_policy")["policy"])
    assert "/app/*" in policy and "s3:GetObject" in policy and '"s3:*"' not in policy
    assert only(web, "aws_iam_instance_profile")["role"].startswith("${aws_iam_role.")


def test_existing_vpc_by_data_sources(web: dict[str, Any], platform: PlatformConfig) -> None:
    network = platform.environment("prod").web_tier.network
    (vpc,) = web["data"]["aws_vpc"].values()
    assert vpc["tags"] == {**network.vpc_tags, "Environment": "${var.environment}"}
    assert "var.vpc_cidr" in vpc["lifecycle"]["postcondition"][0]["condition"]
    assert len(web["data"]["aws_subnets"]) == 2


def test_names_follow_the_pattern(web: dict[str, Any]) -> None:
    pattern = "-${var.environment}-${var.environment_suffix}"
    named = {
        "aws_lb": "name", "aws_lb_target_group": "name", "aws_db_instance": "identifier",
        "aws_autoscaling_group": "name", "aws_launch_template": "name", "aws_security_group": "name",
        "aws_iam_role": "name", "aws_db_subnet_group": "name",
    }  # fmt: skip
    for resource_type, attribute in named.items():
        for resource in web["resource"][resource_type].values():
            assert resource[attribute].endswith(pattern), (resource_type, resource[attribute])
    for group in web["resource"]["aws_security_group"].values():
        assert not group["name"].startswith("sg-"), "AWS refuses security group names that begin with sg-"


def test_outputs(web: dict[str, Any]) -> None:
    assert set(web["output"]) == {
        "alb_dns_name", "url", "target_group_arn", "asg_name", "db_endpoint", "db_secret_arn", "bucket_name",
        "bucket_arn",
    }  # fmt: skip
    assert web["output"]["url"]["value"] == "https://${var.domain_name}"
    assert "master_user_secret[0].secret_arn" in web["output"]["db_secret_arn"]["value"]


def test_state_backend_stack(tf_synth: TfSynth, platform: PlatformConfig) -> None:
    state_config = platform.environment("prod").terraform_state
    stack = tf_synth.stack("state-backend")
    assert "local" in stack["terraform"]["backend"]
    buckets = {b["bucket"]: b for b in stack["resource"]["aws_s3_bucket"].values()}
    assert set(buckets) == {state_config.bucket, f"{state_config.bucket}-access-logs"}
    for versioning in stack["resource"]["aws_s3_bucket_versioning"].values():
        assert versioning["versioning_configuration"]["status"] == "Enabled" and "count" not in versioning
    # every read and write of every environment's state is logged
    (logging,) = stack["resource"]["aws_s3_bucket_logging"].values()
    assert logging["target_prefix"] == "state/"
    assert logging["bucket"].startswith("${aws_s3_bucket.bucket") and "access_logs" in logging["target_bucket"]
    (table,) = stack["resource"]["aws_dynamodb_table"].values()
    assert table["name"] == state_config.lock_table and table["hash_key"] == "LockID"
    assert table["server_side_encryption"]["enabled"] is True
    for block in stack["resource"]["aws_s3_bucket_public_access_block"].values():
        assert block["block_public_policy"] is True
    rules = {
        c["rule"][0]["id"]: c["rule"][0] for c in stack["resource"]["aws_s3_bucket_lifecycle_configuration"].values()
    }
    assert rules["state-history"]["noncurrent_version_expiration"][0]["noncurrent_days"] == 365
    assert rules["expire-access-logs"]["expiration"][0]["days"] == 365


def test_ledger_stack(tf_synth: TfSynth, platform: PlatformConfig) -> None:
    ledger = platform.environment("prod").ledger
    stack = tf_synth.stack("ledger")
    assert "local" in stack["terraform"]["backend"]
    (table,) = stack["resource"]["aws_dynamodb_table"].values()
    assert (table["name"], table["hash_key"], table["range_key"]) == (ledger.table, "environment", "entry")
    assert table["point_in_time_recovery"]["enabled"] is True and table["deletion_protection_enabled"] is True
    assert table["server_side_encryption"]["kms_key_arn"].startswith("${aws_kms_key.")
    (bucket,) = stack["resource"]["aws_s3_bucket"].values()
    assert bucket["bucket"] == ledger.bucket and "force_destroy" not in bucket
    (versioning,) = stack["resource"]["aws_s3_bucket_versioning"].values()
    assert versioning["versioning_configuration"]["status"] == "Enabled"
    assert "aws_s3_bucket_lifecycle_configuration" not in stack["resource"]  # the history is kept
    (alias,) = stack["resource"]["aws_kms_alias"].values()
    assert alias["name"] == f"alias/{ledger.table}"
