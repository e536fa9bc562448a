"""Read-only access to the configuration of the platform's resources.

CloudFormation drift detection reads every resource of a stack with the
caller's credentials, and post-deployment validation compares the same live
settings with the configuration. Both get exactly this list: describe/get/list
calls on resource configuration, never on the data inside (no s3:GetObject,
no dynamodb:GetItem/Query/Scan, no sqs:ReceiveMessage, no ssm SecureString
decryption).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

CONFIGURATION_READ_ACTIONS: list[str] = [
    "cloudformation:DescribeStacks",
    "cloudformation:DescribeStackResources",
    "cloudformation:ListStackResources",
    "cloudformation:ListStacks",
    "cloudformation:GetTemplate",
    "lambda:GetFunction",
    "lambda:GetFunctionConfiguration",
    "lambda:GetFunctionConcurrency",
    "lambda:GetAlias",
    "lambda:GetPolicy",
    "lambda:ListVersionsByFunction",
    "lambda:ListTags",
    "dynamodb:DescribeTable",
    "dynamodb:DescribeContinuousBackups",
    "dynamodb:DescribeTimeToLive",
    "dynamodb:ListTagsOfResource",
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingPolicies",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ListQueueTags",
    "s3:GetBucketVersioning",
    "s3:GetLifecycleConfiguration",
    "s3:GetEncryptionConfiguration",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketLogging",
    "s3:GetBucketTagging",
    "s3:GetBucketOwnershipControls",
    "apigateway:GET",
    "wafv2:GetWebACL",
    "wafv2:GetWebACLForResource",
    "wafv2:GetLoggingConfiguration",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:DescribeParameters",
    "ssm:ListTagsForResource",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListResourceTags",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeNatGateways",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeAddresses",
    "ec2:DescribeFlowLogs",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeVpcEndpoints",
    "logs:DescribeLogGroups",
    "logs:ListTagsForResource",
    "events:DescribeRule",
    "events:ListTargetsByRule",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:ListTagsForResource",
    "cloudwatch:DescribeAlarms",
    "codedeploy:GetApplication",
    "codedeploy:GetDeploymentGroup",
    "codedeploy:GetDeploymentConfig",
    "config:DescribeConfigRules",
    "rds:DescribeDBInstances",
    "autoscaling:DescribeAutoScalingGroups",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeListeners",
    "tag:GetResources",
]

# Reads that reach data unless scoped: parameter values (SecureStrings),
# function configuration (environment variables) and code, API keys. They
# are granted on the environment's own resources only (`read_statements`).
SCOPED_READ_ACTIONS = {
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "lambda:GetFunction",
    "lambda:GetFunctionConfiguration",
    "apigateway:GET",
}


def read_statements(stack: cdk.Stack, environment: str, *, read_function_code: bool) -> list[iam.PolicyStatement]:
    """Configuration reads for a read-only role of `environment`: everything
    in the list above on `*`, except the data-bearing reads, which name the
    environment's parameters (`/trading/<env>/`), functions (`<env>-trading-*`)
    and REST APIs (never API keys). `read_function_code`: CloudFormation's
    drift detection reads AWS::Lambda::Function through lambda:GetFunction,
    which also returns a link to the code; validation never needs it."""
    parameters, functions, apis = _scoped_arns(stack, environment)
    function_reads = ["lambda:GetFunctionConfiguration"] + (["lambda:GetFunction"] if read_function_code else [])
    return [
        iam.PolicyStatement(
            sid="ReadResourceConfiguration",
            actions=[a for a in CONFIGURATION_READ_ACTIONS if a not in SCOPED_READ_ACTIONS],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="ReadThisEnvironmentsParameters",
            actions=["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
            resources=[parameters, f"{parameters}/*"],
        ),
        iam.PolicyStatement(
            sid="ReadThisEnvironmentsFunctions", actions=function_reads, resources=[functions, f"{functions}:*"]
        ),
        iam.PolicyStatement(sid="ReadRestApiConfiguration", actions=["apigateway:GET"], resources=[apis, f"{apis}/*"]),
    ]


def read_acknowledgments(stack: cdk.Stack, environment: str) -> dict[str, str]:
    """cdk-nag IAM5 acknowledgments for the scoped wildcards of `read_statements`."""
    parameters, functions, apis = _scoped_arns(stack, environment)
    return {
        f"AwsSolutions::AwsSolutions-IAM5[Resource::{parameters}/*]": "Every parameter the environment publishes under its own prefix, and no other",
        f"AwsSolutions::AwsSolutions-IAM5[Resource::{functions}]": "The environment's own functions",
        f"AwsSolutions::AwsSolutions-IAM5[Resource::{functions}:*]": "Versions and aliases of the environment's own functions",
        f"AwsSolutions::AwsSolutions-IAM5[Resource::{apis}/*]": "REST API configuration (not API keys or usage plans); the API id is created by a later stack",
    }


def _scoped_arns(stack: cdk.Stack, environment: str) -> tuple[str, str, str]:
    parameters = stack.format_arn(service="ssm", resource="parameter", resource_name=f"trading/{environment}")
    functions = stack.format_arn(
        service="lambda",
        resource="function",
        resource_name=f"{environment}-trading-*",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    return parameters, functions, f"arn:{stack.partition}:apigateway:{stack.region}::/restapis"


DRIFT_DETECTION_ACTIONS: list[str] = [
    "cloudformation:DetectStackDrift",
    "cloudformation:DetectStackResourceDrift",
    "cloudformation:DescribeStackDriftDetectionStatus",
    "cloudformation:DescribeStackResourceDrifts",
]

# The same reach as a permission-boundary ceiling, compacted with wildcards so
# the boundary policy stays within IAM's 6,144-character limit. A ceiling
# grants nothing; roles still get the exact lists above.
READ_CEILING: list[str] = [
    "cloudformation:Describe*",
    "cloudformation:List*",
    "cloudformation:GetTemplate",
    "cloudformation:Detect*",
    "lambda:Get*",
    "lambda:List*",
    "dynamodb:Describe*",
    "dynamodb:ListTagsOfResource",
    "application-autoscaling:Describe*",
    "sqs:ListQueueTags",
    "s3:GetBucket*",
    "s3:GetLifecycleConfiguration",
    "s3:GetEncryptionConfiguration",
    "apigateway:GET",
    "wafv2:Get*",
    "ssm:DescribeParameters",
    "ssm:ListTagsForResource",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:List*",
    "ec2:Describe*",
    "logs:ListTagsForResource",
    "events:DescribeRule",
    "events:ListTargetsByRule",
    "sns:GetTopicAttributes",
    "sns:List*",
    "cloudwatch:DescribeAlarms",
    "codedeploy:Get*",
    "config:DescribeConfigRules",
    "rds:Describe*",
    "autoscaling:Describe*",
    "elasticloadbalancing:Describe*",
    "tag:GetResources",
    # ... and what planning the web tier reads besides (web_tier_plan_access.py)
    "acm:DescribeCertificate",
    "acm:ListTagsForCertificate",
    "s3:GetAccelerateConfiguration",
    "s3:GetReplicationConfiguration",
    "wafv2:ListTagsForResource",
    "rds:ListTagsForResource",
]

# IAM is global: its calls are not made in the environment's region, so the
# boundary allows these without the region condition.
GLOBAL_READ_CEILING: list[str] = [
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:GetInstanceProfile",
    # Route 53 is global too: planning the web tier reads its hosted zone and records.
    "route53:GetHostedZone",
    "route53:ListHostedZones",
    "route53:ListResourceRecordSets",
    "route53:ListTagsForResource",
]
