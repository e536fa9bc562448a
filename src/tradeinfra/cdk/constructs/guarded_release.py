"""How a new order-processor version goes live and how it is taken back.

CloudFormation publishes the new version; CodeDeploy then shifts the `live`
alias to it in the style config names (all at once, canary, linear). Before
any traffic moves, a hook sends synthetic requests through the new version;
after the shift, a second hook checks the live configuration. A failed hook,
a stopped deployment or any release alarm during the shift makes CodeDeploy
move the alias back to the previous version.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from tradeinfra.cdk.compliance import acknowledge, arn_of
from tradeinfra.cdk.constructs.lambda_code import LAMBDA_RUNTIME
from tradeinfra.cdk.constructs.operations_function import OperationsFunction
from tradeinfra.config.models import ComputeConfig, DeploymentConfig, MonitoringConfig
from tradeinfra.config.naming import ResourceKind, alarm_name, cdk_name

TRAFFIC_SHIFTING: dict[str, codedeploy.ILambdaDeploymentConfig] = {
    "AllAtOnce": codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
    "Canary10Percent5Minutes": codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
    "Canary10Percent10Minutes": codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_10_MINUTES,
    "Linear10PercentEvery1Minute": codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_1_MINUTE,
}
ONE_MINUTE = cdk.Duration.minutes(1)


class GuardedRelease(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment: str,
        function: lambda_.Function,
        alias: lambda_.Alias,
        compute: ComputeConfig,
        deployment: DeploymentConfig,
        monitoring: MonitoringConfig,
        api_name: str,
        dead_letter_queue: sqs.IQueue,
        alarm_action: cloudwatch.IAlarmAction,
        vpc: ec2.IVpc,
        key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self.alarms = self._release_alarms(environment, alias, monitoring, api_name, dead_letter_queue)
        for alarm in self.alarms:
            alarm.add_alarm_action(alarm_action)
        version_arn = function.current_version.function_arn

        def hook(construct_id: str, handler: str, description: str, variables: dict[str, str]) -> lambda_.Function:
            return OperationsFunction(
                self,
                construct_id,
                function_name=cdk_name(
                    environment, f"order-processor-{handler.replace('_', '-')}", ResourceKind.LAMBDA_FUNCTION
                ),
                description=description,
                package="deployment_hooks",
                handler=handler,
                vpc=vpc,
                key=key,
                timeout=cdk.Duration.minutes(2),
                log_retention_days=compute.log_retention_days,
                environment={"TARGET_VERSION_ARN": version_arn, **variables},
            ).function

        pre_traffic = hook(
            "PreTrafficHook",
            "pre_traffic",
            "CodeDeploy pre-traffic hook: synthetic requests through the new order-processor version",
            {},
        )
        function.current_version.grant_invoke(pre_traffic)
        post_traffic = hook(
            "PostTrafficHook",
            "post_traffic",
            "CodeDeploy post-traffic hook: the live order processor has the configured settings",
            {
                "FUNCTION_NAME": function.function_name,
                "ALIAS_NAME": alias.alias_name,
                **expected_configuration(environment, compute),
            },
        )
        post_traffic.add_to_role_policy(
            iam.PolicyStatement(
                sid="ReadTheLiveOrderProcessor",
                actions=["lambda:GetAlias", "lambda:GetFunctionConfiguration", "lambda:GetFunctionConcurrency"],
                resources=[function.function_arn, f"{function.function_arn}:*"],
            )
        )
        self.deployment_group = codedeploy.LambdaDeploymentGroup(
            self,
            "DeploymentGroup",
            application=codedeploy.LambdaApplication(
                self, "Application", application_name=cdk_name(environment, "order-processor")
            ),
            deployment_group_name=cdk_name(environment, "order-processor-live"),
            alias=alias,
            deployment_config=TRAFFIC_SHIFTING[deployment.lambda_traffic_shifting],
            alarms=self.alarms,
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
            ),
            pre_hook=pre_traffic,
            post_hook=post_traffic,
        )
        for hook_function in (pre_traffic, post_traffic):
            acknowledge(
                hook_function,
                {
                    "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]": "AWS-managed log-writing policy added by CDK; the environment's permission boundary caps it",
                    "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]": "ENI management for a function in the VPC; these EC2 actions cannot be scoped to resources",
                    "AwsSolutions::AwsSolutions-IAM5[Resource::*]": "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions",
                    f"AwsSolutions::AwsSolutions-IAM5[Resource::{arn_of(function)}:*]": "Versions and the alias of the order processor only: the hook checks whichever version is being released",
                    "NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy": "The hook's grants are a policy attached to its role only",
                    "PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy": "The hook's grants are a policy attached to its role only",
                    "NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ": "CodeDeploy waits for the hook's report and fails (and rolls back) the deployment if none arrives; a dead-letter queue would add nothing",
                },
            )
        acknowledge(
            self.deployment_group,
            {
                **{
                    f"AwsSolutions::AwsSolutions-IAM5[Resource::{arn_of(hook_function)}:*]": "CDK's grant to invoke a hook, any version of it"
                    for hook_function in (pre_traffic, post_traffic)
                },
                "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]": "The AWS-managed CodeDeploy role policy for Lambda; it can only shift aliases and invoke CodeDeployHook_ functions, and the permission boundary caps it",
                "NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy": "CDK's grant to invoke the two hooks, attached to the deployment role only",
                "PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy": "CDK's grant to invoke the two hooks, attached to the deployment role only",
            },
        )

    def _release_alarms(
        self,
        env: str,
        alias: lambda_.Alias,
        monitoring: MonitoringConfig,
        api_name: str,
        dead_letter_queue: sqs.IQueue,
    ) -> list[cloudwatch.Alarm]:
        def alarm(
            construct_id: str, purpose: str, metric: cloudwatch.IMetric, threshold: int, what: str
        ) -> cloudwatch.Alarm:
            return cloudwatch.Alarm(
                self,
                construct_id,
                alarm_name=alarm_name(env, purpose),
                alarm_description=f"{what} ({env}); rolls back a release in progress",
                metric=metric,
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )

        return [
            alarm(
                "ErrorsAlarm",
                "order-processor-errors",
                alias.metric_errors(period=ONE_MINUTE, statistic="Sum"),
                monitoring.lambda_error_threshold,
                f"Order-processor errors >= {monitoring.lambda_error_threshold} per minute",
            ),
            alarm(
                "ThrottlesAlarm",
                "order-processor-throttles",
                alias.metric_throttles(period=ONE_MINUTE, statistic="Sum"),
                1,
                "Order-processor invocations throttled",
            ),
            alarm(
                "Api5xxAlarm",
                "api-5xx",
                cloudwatch.Metric(
                    namespace="AWS/ApiGateway",
                    metric_name="5XXError",
                    dimensions_map={"ApiName": api_name, "Stage": env},
                    statistic="Sum",
                    period=ONE_MINUTE,
                ),
                monitoring.api_5xx_threshold,
                f"Orders API 5xx responses >= {monitoring.api_5xx_threshold} per minute",
            ),
            alarm(
                "DeadLetterAlarm",
                "orders-dlq-depth",
                dead_letter_queue.metric_approximate_number_of_messages_visible(period=ONE_MINUTE, statistic="Maximum"),
                monitoring.dlq_depth_threshold,
                f"Orders in the dead-letter queue >= {monitoring.dlq_depth_threshold}",
            ),
        ]


def expected_configuration(environment: str, compute: ComputeConfig) -> dict[str, str]:
    """What the post-traffic hook expects of the live function: one variable
    per setting, so the parity gate checks each against the configuration."""
    return {
        "EXPECTED_MEMORY_SIZE": str(compute.memory_mb),
        "EXPECTED_TIMEOUT": str(compute.timeout_seconds),
        "EXPECTED_RUNTIME": LAMBDA_RUNTIME.name,
        "EXPECTED_ARCHITECTURE": compute.architecture,
        "EXPECTED_RESERVED_CONCURRENCY": str(compute.reserved_concurrency),
        "EXPECTED_ENVIRONMENT": environment,
        "EXPECTED_LOG_LEVEL": compute.log_level,
    }
