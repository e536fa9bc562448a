"""The role that deploys the environment's web tier (Terraform) on AWS: the
delivery pipeline's web-tier step acts as it in the environment's account.

Its grants follow what the web tier's Terraform creates, by the names the
Terraform app gives them (`<type>-<env>-<suffix>`), so it can manage the web
tier and nothing else of the environment: not the orders table, the queues,
the trade data or the CDK app's roles. Where IAM cannot name a resource
before it exists (EC2 and KMS create calls, describes), the grant is bounded
by the region and, for keys, by the tags the Terraform app puts on them.

It carries its own ceiling, not the environment's permission boundary: that
boundary stops every role at data-plane actions, and a deployer needs the
control plane of EC2, Auto Scaling, ELB, RDS, S3 and IAM. The ceiling still
keeps it out of every other service and out of the CDK app's data
(config/access.yaml proves both offline).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from tradeinfra.cdk.base import pipeline_step_principal, state_role_arn
from tradeinfra.cdk.compliance import acknowledge
from tradeinfra.config.models import DeliveryConfig, EnvironmentConfig
from tradeinfra.config.naming import (
    ResourceKind,
    cdk_name,
    state_access_role_name,
    state_reader_role_name,
    tf_name,
    web_tier_deployer_role_name,
    web_tier_step_role_name,
)
from tradeinfra.config.tags import MANAGED_BY_TERRAFORM

# The services the web tier's Terraform calls, in the environment's region.
CEILING_SERVICES = [
    "ec2", "autoscaling", "elasticloadbalancing", "rds", "s3", "kms", "ssm", "cloudformation", "acm", "wafv2", "logs",
]  # fmt: skip
# Route 53 is global: its calls are not made in the environment's region.
GLOBAL_CEILING_SERVICES = ["route53"]
# AWS-managed policies the web tier attaches to its own roles.
MANAGED_POLICIES = ["AmazonSSMManagedInstanceCore", "service-role/AmazonRDSEnhancedMonitoringRole"]
SERVICE_LINKED = ["autoscaling.amazonaws.com", "elasticloadbalancing.amazonaws.com", "rds.amazonaws.com"]

READS = [
    "ec2:Describe*",
    "autoscaling:Describe*",
    "elasticloadbalancing:Describe*",
    "rds:Describe*",
    "rds:ListTagsForResource",
    "kms:ListAliases",
    "acm:ListCertificates",
    "wafv2:GetWebACLForResource",
    "logs:DescribeLogGroups",
]
EC2_CHANGES = [
    "ec2:CreateSecurityGroup",
    "ec2:DeleteSecurityGroup",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:ModifySecurityGroupRules",
    "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
    "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
    "ec2:CreateLaunchTemplate",
    "ec2:CreateLaunchTemplateVersion",
    "ec2:ModifyLaunchTemplate",
    "ec2:DeleteLaunchTemplate",
    "ec2:RunInstances",  # Auto Scaling checks the caller may launch the template
    "ec2:CreateTags",
    "ec2:DeleteTags",
]
AUTOSCALING_CHANGES = [
    "autoscaling:CreateAutoScalingGroup",
    "autoscaling:UpdateAutoScalingGroup",
    "autoscaling:DeleteAutoScalingGroup",
    "autoscaling:PutScalingPolicy",
    "autoscaling:DeletePolicy",
    "autoscaling:CreateOrUpdateTags",
    "autoscaling:DeleteTags",
]
LOAD_BALANCER_CHANGES = [
    "elasticloadbalancing:CreateLoadBalancer",
    "elasticloadbalancing:DeleteLoadBalancer",
    "elasticloadbalancing:ModifyLoadBalancerAttributes",
    "elasticloadbalancing:SetSecurityGroups",
    "elasticloadbalancing:SetSubnets",
    "elasticloadbalancing:CreateListener",
    "elasticloadbalancing:ModifyListener",
    "elasticloadbalancing:DeleteListener",
    "elasticloadbalancing:CreateTargetGroup",
    "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:AddTags",
    "elasticloadbalancing:RemoveTags",
]
DATABASE_CHANGES = [
    "rds:CreateDBInstance",
    "rds:ModifyDBInstance",
    "rds:DeleteDBInstance",
    "rds:CreateDBSnapshot",  # the final snapshot of a destroy
    "rds:CreateDBParameterGroup",
    "rds:ModifyDBParameterGroup",
    "rds:DeleteDBParameterGroup",
    "rds:CreateDBSubnetGroup",
    "rds:ModifyDBSubnetGroup",
    "rds:DeleteDBSubnetGroup",
    "rds:AddTagsToResource",
    "rds:RemoveTagsFromResource",
]
CERTIFICATE_CHANGES = [
    "acm:DescribeCertificate",
    "acm:ListTagsForCertificate",
    "acm:AddTagsToCertificate",
    "acm:RemoveTagsFromCertificate",
    "acm:DeleteCertificate",
]
FIREWALL_CHANGES = [
    "wafv2:CreateWebACL",
    "wafv2:UpdateWebACL",
    "wafv2:DeleteWebACL",
    "wafv2:GetWebACL",
    "wafv2:AssociateWebACL",
    "wafv2:DisassociateWebACL",
    "wafv2:PutLoggingConfiguration",
    "wafv2:GetLoggingConfiguration",
    "wafv2:DeleteLoggingConfiguration",
    "wafv2:ListTagsForResource",
    "wafv2:TagResource",
    "wafv2:UntagResource",
]
LOG_GROUP_CHANGES = [
    "logs:CreateLogGroup",
    "logs:DeleteLogGroup",
    "logs:PutRetentionPolicy",
    "logs:AssociateKmsKey",
    "logs:TagResource",
    "logs:UntagResource",
    "logs:ListTagsForResource",
]
# WAF sets up log delivery to CloudWatch Logs with the caller's permissions.
LOG_DELIVERY = [
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
]
DNS_READS = ["route53:ListHostedZones", "route53:ListHostedZonesByName", "route53:GetHostedZone", "route53:GetChange",
             "route53:ListResourceRecordSets", "route53:ListTagsForResource"]  # fmt: skip
BUCKET_CHANGES = [
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:GetBucket*",
    "s3:PutBucket*",
    "s3:DeleteBucketPolicy",
    "s3:GetAccelerateConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:GetEncryptionConfiguration",
    "s3:PutEncryptionConfiguration",
    "s3:GetReplicationConfiguration",
]
# A destroy empties the web buckets (they are force_destroy outside prod).
BUCKET_EMPTYING = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
KEY_CHANGES = [
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:EnableKeyRotation",
    "kms:UpdateKeyDescription",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CreateGrant",  # RDS encrypts the database with the key on the caller's behalf
]
ROLE_CHANGES = [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:GetRole",
    "iam:UpdateRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:PutRolePolicy",
    "iam:GetRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:CreateInstanceProfile",
    "iam:DeleteInstanceProfile",
    "iam:GetInstanceProfile",
    "iam:AddRoleToInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile",
    "iam:TagInstanceProfile",
    "iam:UntagInstanceProfile",
]


class WebTierDeployer(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, environment: EnvironmentConfig, delivery: DeliveryConfig
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        env, suffix = environment.name, environment.web_tier.environment_suffix
        domain = environment.web_tier.load_balancer.domain_name
        arn = _Arns(stack.partition, environment.region, environment.account, env, suffix)
        state_role = state_role_arn(self, delivery.account, state_access_role_name(env))
        # Its deployments plan an already deployed web tier before the CDK stacks, reading state only.
        state_reader = state_role_arn(self, delivery.account, state_reader_role_name(env))
        in_region = {"StringEquals": {"aws:RequestedRegion": environment.region}}

        def web_tier_tags(key: str) -> dict[str, str]:
            # The CDK app's keys carry the same Environment tag: ManagedBy tells them apart.
            return {f"{key}/Environment": env, f"{key}/ManagedBy": MANAGED_BY_TERRAFORM}

        self.ceiling = iam.ManagedPolicy(
            self,
            "Ceiling",
            managed_policy_name=cdk_name(env, "web-tier-deploy-ceiling", ResourceKind.IAM_POLICY),
            description=f"Ceiling of the {env} web-tier deployer: the web tier's services, in {environment.region}",
            statements=[
                iam.PolicyStatement(
                    sid="WebTierServicesInHomeRegion",
                    actions=[f"{service}:*" for service in CEILING_SERVICES],
                    resources=["*"],
                    conditions=in_region,
                ),
                iam.PolicyStatement(
                    sid="WebTierDnsRecords",
                    actions=[f"{service}:*" for service in GLOBAL_CEILING_SERVICES],
                    resources=["*"],
                ),
                iam.PolicyStatement(sid="WebTierRoles", actions=["iam:*"], resources=arn.roles + arn.profiles),
                iam.PolicyStatement(
                    sid="WebTierServiceLinkedRoles",
                    actions=["iam:CreateServiceLinkedRole"],
                    resources=["*"],
                    conditions={"StringEquals": {"iam:AWSServiceName": SERVICE_LINKED}},
                ),
                iam.PolicyStatement(
                    sid="OwnTerraformState", actions=["sts:AssumeRole"], resources=[state_role, state_reader]
                ),
                # The CDK app's data and keys stay out of reach, whatever a future grant says.
                iam.PolicyStatement(
                    sid="NeverTheTradingData",
                    effect=iam.Effect.DENY,
                    actions=["s3:*"],
                    not_resources=arn.buckets + arn.bucket_objects,
                ),
            ],
        )
        self.role = iam.Role(
            self,
            "Role",
            role_name=web_tier_deployer_role_name(env),
            description=f"Deploys the {env} web tier (Terraform): its resources only; assumed by the pipeline",
            assumed_by=pipeline_step_principal(
                self, delivery.account, web_tier_step_role_name(delivery.pipeline_name, env)
            ),
            max_session_duration=cdk.Duration.hours(2),
        )
        # Nearer than the stack's own boundary: this one applies to the role.
        iam.PermissionsBoundary.of(self.role).apply(self.ceiling)
        for sid, actions, resources, conditions in [
            ("ReadWebTierConfiguration", READS, ["*"], in_region),
            ("LatestAmazonLinuxImage", ["ssm:GetParameter"], [arn.public_parameters], None),
            ("CheckEnvironmentStacks", ["cloudformation:DescribeStacks"], [arn.stacks], None),
            ("NetworkAndLaunchTemplates", EC2_CHANGES, ["*"], in_region),
            ("AutoScalingGroup", AUTOSCALING_CHANGES, [arn.auto_scaling_group], None),
            ("LoadBalancer", LOAD_BALANCER_CHANGES, arn.load_balancer, None),
            ("Database", DATABASE_CHANGES, arn.database, None),
            ("Buckets", BUCKET_CHANGES, arn.buckets, None),
            (
                "RequestCertificate",
                ["acm:RequestCertificate", "acm:AddTagsToCertificate"],
                ["*"],
                {"StringEquals": {**in_region["StringEquals"], **web_tier_tags("aws:RequestTag")}},
            ),
            (
                "OwnCertificates",
                CERTIFICATE_CHANGES,
                [arn.certificates],
                {"StringEquals": web_tier_tags("aws:ResourceTag")},
            ),
            ("Firewall", FIREWALL_CHANGES, arn.firewall, None),
            # SetWebACL names no resource in IAM: AssociateWebACL, on its own ACL, is the bound.
            ("FirewallOnItsLoadBalancer", ["elasticloadbalancing:SetWebACL"], ["*"], in_region),
            ("FirewallLogs", LOG_GROUP_CHANGES, arn.log_groups, None),
            ("FirewallLogDelivery", LOG_DELIVERY, ["*"], in_region),
            ("FindHostedZone", DNS_READS, ["*"], None),
            (
                "OwnDnsRecords",
                ["route53:ChangeResourceRecordSets"],
                ["arn:aws:route53:::hostedzone/*"],
                {
                    "ForAllValues:StringLike": {
                        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
                            domain,
                            f"_*.{domain}",  # the certificate's DNS validation record
                        ]
                    }
                },
            ),
            ("EmptyBucketsOnDestroy", BUCKET_EMPTYING, arn.bucket_objects, None),
            (
                "CreateKeys",
                ["kms:CreateKey"],
                ["*"],
                {"StringEquals": {**in_region["StringEquals"], **web_tier_tags("aws:RequestTag")}},
            ),
            ("ManageOwnKeys", KEY_CHANGES, [arn.keys], {"StringEquals": web_tier_tags("aws:ResourceTag")}),
            ("Roles", ROLE_CHANGES, arn.roles + arn.profiles, None),
            (
                "ManagedPoliciesOfItsRoles",
                ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
                arn.roles,
                {"ArnEquals": {"iam:PolicyARN": arn.managed_policies}},
            ),
            (
                "PassItsRoles",
                ["iam:PassRole"],
                arn.roles,
                {"StringEquals": {"iam:PassedToService": ["ec2.amazonaws.com", "monitoring.rds.amazonaws.com"]}},
            ),
            (
                "ServiceLinkedRoles",
                ["iam:CreateServiceLinkedRole"],
                ["*"],
                {"StringEquals": {"iam:AWSServiceName": SERVICE_LINKED}},
            ),
            ("OwnTerraformStateAndLedger", ["sts:AssumeRole"], [state_role, state_reader], None),
        ]:
            self.role.add_to_policy(
                iam.PolicyStatement(sid=sid, actions=actions, resources=resources, conditions=conditions)
            )
        self._acknowledge(arn)

    def _acknowledge(self, arn: _Arns) -> None:
        wildcards = (
            "The web tier's Terraform creates these resources: their names are fixed by config "
            "(<type>-<env>-<suffix>), the trailing wildcard is the ID AWS appends"
        )
        acknowledge(
            self.role,
            {
                "AwsSolutions::AwsSolutions-IAM5[Resource::*]": "Describe calls, EC2/KMS/ACM create calls, "
                "elasticloadbalancing:SetWebACL and CloudWatch Logs delivery set-up name no "
                "resource ARN in IAM; bounded to the environment's region (and for keys, the web tier's Environment and ManagedBy tags), "
                "and by the deployer's ceiling",
                **{
                    f"AwsSolutions::AwsSolutions-IAM5[Action::{action}]": "Read-only describes of the web tier's "
                    "services, or bucket-configuration calls on the web tier's own buckets"
                    for action in [*READS, *BUCKET_CHANGES]
                    if action.endswith("*")
                },
                **{
                    f"AwsSolutions::AwsSolutions-IAM5[Resource::{resource}]": wildcards
                    for resource in arn.wildcard_resources()
                },
                "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:route53:::hostedzone/*]": "The hosted zone "
                "exists before the web tier (its ID is not in config); the grant changes only the web tier's own "
                "name and its certificate's validation record (route53:ChangeResourceRecordSetsNormalizedRecordNames)",
                "NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy": "The deployer's grants are a policy attached "
                "to its role only",
                "PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy": "The deployer's grants are a policy attached to "
                "its role only",
            },
        )
        acknowledge(
            self.ceiling,
            {
                **{
                    f"{pack}::{pack}-IAMPolicyNoStatementsWithFullAccess": "A ceiling, not a grant: service-wide "
                    "actions bound what the deployer's own exact grants can ever reach"
                    for pack in ("NIST.800.53.R5", "PCI.DSS.321")
                },
                "AwsSolutions::AwsSolutions-IAM5[Resource::*]": "A ceiling, not a grant: the deployer's own "
                "policy names its resources",
                **{
                    f"AwsSolutions::AwsSolutions-IAM5[Action::{service}:*]": "A ceiling, not a grant: the "
                    "deployer's own policy lists exact actions"
                    for service in [*CEILING_SERVICES, *GLOBAL_CEILING_SERVICES, "iam", "s3"]
                },
                **{
                    f"AwsSolutions::AwsSolutions-IAM5[Resource::{resource}]": "A ceiling, not a grant: the web "
                    "tier's own roles, buckets and their objects"
                    for resource in arn.wildcard_resources()
                },
            },
        )


class _Arns:
    """The ARNs of what the web tier's Terraform creates in one environment."""

    def __init__(self, partition: str, region: str, account: str, env: str, suffix: str) -> None:
        def name(kind: str) -> str:
            return tf_name(kind, env, suffix)

        where = f"{region}:{account}"
        self.roles = [
            f"arn:{partition}:iam::{account}:role/{name('role-web')}",
            f"arn:{partition}:iam::{account}:role/{name('role-rds-monitoring')}",
        ]
        self.profiles = [f"arn:{partition}:iam::{account}:instance-profile/{name('profile-web')}"]
        self.buckets = [f"arn:{partition}:s3:::{name('web')}", f"arn:{partition}:s3:::{name('alb-logs')}"]
        self.bucket_objects = [f"{bucket}/*" for bucket in self.buckets]
        self.database = [
            f"arn:{partition}:rds:{where}:db:{name('rds')}",
            f"arn:{partition}:rds:{where}:pg:{name('pg-web')}",
            f"arn:{partition}:rds:{where}:subgrp:{name('dbsubnets')}",
            f"arn:{partition}:rds:{where}:snapshot:{name('rds')}-*",
            f"arn:{partition}:rds:{where}:secgrp:*",  # CreateDBInstance authorizes on the (default) DB security group
        ]
        self.auto_scaling_group = (
            f"arn:{partition}:autoscaling:{where}:autoScalingGroup:*:autoScalingGroupName/{name('asg-web')}"
        )
        self.load_balancer = [
            f"arn:{partition}:elasticloadbalancing:{where}:loadbalancer/app/{name('alb')}/*",
            f"arn:{partition}:elasticloadbalancing:{where}:listener/app/{name('alb')}/*",
            f"arn:{partition}:elasticloadbalancing:{where}:listener-rule/app/{name('alb')}/*",
            f"arn:{partition}:elasticloadbalancing:{where}:targetgroup/{name('tg')}/*",
        ]
        self.keys = f"arn:{partition}:kms:{where}:key/*"
        self.certificates = f"arn:{partition}:acm:{where}:certificate/*"
        self.firewall = [
            f"arn:{partition}:wafv2:{where}:regional/webacl/{name('waf-web')}/*",
            f"arn:{partition}:wafv2:{where}:regional/managedruleset/*/*",  # the ACL's managed rule groups
        ]
        self.log_groups = [f"arn:{partition}:logs:{where}:log-group:aws-waf-logs-{name('web')}*"]
        self.public_parameters = f"arn:{partition}:ssm:{region}::parameter/aws/service/*"
        self.stacks = f"arn:{partition}:cloudformation:{where}:stack/{env}-trading-*/*"
        self.managed_policies = [f"arn:{partition}:iam::aws:policy/{policy}" for policy in MANAGED_POLICIES]

    def wildcard_resources(self) -> list[str]:
        every = [
            *self.bucket_objects,
            *self.database,
            self.auto_scaling_group,
            *self.load_balancer,
            self.keys,
            self.certificates,
            *self.firewall,
            *self.log_groups,
            self.public_parameters,
            self.stacks,
        ]
        return [resource for resource in every if "*" in resource]
