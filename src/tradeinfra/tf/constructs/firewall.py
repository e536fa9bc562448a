"""The web tier's WAF: AWS managed rule groups and a per-client rate limit
in front of the load balancer, every blocked and sampled request logged to
a KMS-encrypted log group kept a year."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from tradeinfra.tf.aws import (
    cloudwatch_log_group,
    wafv2_web_acl,
    wafv2_web_acl_association,
    wafv2_web_acl_logging_configuration,
)
from tradeinfra.tf.constructs.storage import account_key
from tradeinfra.tf.inputs import WebTierInputs

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",  # includes Log4j (CVE-2021-44228)
    "AWSManagedRulesSQLiRuleSet",  # the tier has a database behind it
    "AWSManagedRulesAnonymousIpList",  # Tor exits, anonymizing proxies and hosting providers
)
LOG_RETENTION_DAYS = 365


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


class WebFirewall(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        inputs: WebTierInputs,
        load_balancer_arn: str,
        client_rate_limit: int,
    ) -> None:
        super().__init__(scope, construct_id)
        rules = [
            wafv2_web_acl.Wafv2WebAclRule(
                name=group,
                priority=priority,
                override_action=wafv2_web_acl.Wafv2WebAclRuleOverrideAction(
                    none=wafv2_web_acl.Wafv2WebAclRuleOverrideActionNone()
                ),
                # Nested blocks as lists, the shape `terraform show -json` and checkov read.
                statement=[{"managed_rule_group_statement": [{"name": group, "vendor_name": "AWS"}]}],
                visibility_config=wafv2_web_acl.Wafv2WebAclRuleVisibilityConfig(**_visibility(group)),
            )
            for priority, group in enumerate(MANAGED_RULE_GROUPS)
        ]
        rules.append(
            wafv2_web_acl.Wafv2WebAclRule(
                name="PerClientRateLimit",
                priority=len(MANAGED_RULE_GROUPS),
                action=wafv2_web_acl.Wafv2WebAclRuleAction(block=wafv2_web_acl.Wafv2WebAclRuleActionBlock()),
                statement=[
                    {
                        "rate_based_statement": [
                            {"limit": client_rate_limit, "aggregate_key_type": "IP", "evaluation_window_sec": 300}
                        ]
                    }
                ],
                visibility_config=wafv2_web_acl.Wafv2WebAclRuleVisibilityConfig(**_visibility("PerClientRateLimit")),
            )
        )
        self.acl = wafv2_web_acl.Wafv2WebAcl(
            self,
            "acl",
            name=inputs.name("waf-web"),
            description="Managed protections and a per-client rate limit in front of the web tier",
            scope="REGIONAL",
            default_action=wafv2_web_acl.Wafv2WebAclDefaultAction(allow=wafv2_web_acl.Wafv2WebAclDefaultActionAllow()),
            rule=rules,
            visibility_config=wafv2_web_acl.Wafv2WebAclVisibilityConfig(**_visibility("web-tier")),
        )
        wafv2_web_acl_association.Wafv2WebAclAssociation(
            self, "association", resource_arn=load_balancer_arn, web_acl_arn=self.acl.arn
        )
        key = account_key(
            self,
            "logs_key",
            description="Encrypts the web tier's WAF logs",
            account_id=inputs.aws_account_id,
            logs_region=inputs.aws_region,
            deletion_window_days=30,
        )
        # WAF logs only to log groups named aws-waf-logs-*. Where the
        # environment keeps its audit logs, a destroy leaves the group.
        logs = cloudwatch_log_group.CloudwatchLogGroup(
            self,
            "logs",
            name=f"aws-waf-logs-{inputs.name('web')}",
            retention_in_days=LOG_RETENTION_DAYS,
            kms_key_id=key.arn,
            skip_destroy=inputs.retain_audit_logs,
        )
        wafv2_web_acl_logging_configuration.Wafv2WebAclLoggingConfiguration(
            self, "logging", resource_arn=self.acl.arn, log_destination_configs=[logs.arn]
        )
