"""The order-processor Lambda function, its alias, and the runtime settings
it reads from SSM Parameter Store."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from tradeinfra.cdk.base import TradingStack
from tradeinfra.cdk.compliance import acknowledge
from tradeinfra.cdk.constructs.encryption import EncryptionKey, encrypted_log_group
from tradeinfra.cdk.constructs.guarded_release import GuardedRelease
from tradeinfra.cdk.constructs.lambda_code import LAMBDA_RUNTIME, runtime_package
from tradeinfra.config import references
from tradeinfra.config.models import ComputeConfig, EnvironmentConfig, RuntimeConfig
from tradeinfra.config.naming import ResourceKind, cdk_name, ssm_parameter

ALIAS_NAME = "live"


class ComputeStack(TradingStack):
    def __init__(
        self,
        scope: Construct,
        *,
        environment: EnvironmentConfig,
        compute: ComputeConfig,
        runtime: RuntimeConfig,
        private_link_only: bool,
    ) -> None:
        super().__init__(scope, "compute", environment=environment, description="Order-processor function")
        env = environment.name
        vpc = self.environment_vpc(isolated=private_link_only)
        table = dynamodb.Table.from_table_attributes(
            self,
            "OrdersTable",
            table_arn=self.read(references.TABLE_ARN),
            encryption_key=kms.Key.from_key_arn(self, "TableKey", self.read(references.TABLE_KEY_ARN)),
        )
        queue = sqs.Queue.from_queue_attributes(
            self,
            "OrdersQueue",
            queue_arn=self.read(references.QUEUE_ARN),
            queue_url=self.read(references.QUEUE_URL),
            key_arn=self.read(references.QUEUE_KEY_ARN),
        )
        dead_letter_queue = sqs.Queue.from_queue_attributes(
            self, "OrdersDeadLetterQueue", queue_arn=self.read(references.DLQ_ARN)
        )
        alarm_topic = sns.Topic.from_topic_arn(self, "AlarmTopic", self.read(references.ALARM_TOPIC_ARN))
        key = EncryptionKey(
            self,
            "FunctionKey",
            alias=cdk_name(env, "order-processor"),
            description="Encrypts the order processor's logs and environment",
            for_logs=True,
        ).key
        function_name = cdk_name(env, "order-processor", ResourceKind.LAMBDA_FUNCTION)
        log_group = encrypted_log_group(
            self,
            "Logs",
            name=f"/aws/lambda/{function_name}",
            retention_days=compute.log_retention_days,
            key=key,
        )
        limits = self._runtime_parameters(env, runtime)
        security_group = ec2.SecurityGroup(
            self,
            "FunctionSecurityGroup",
            vpc=vpc,
            description="Order processor: egress to AWS APIs only",
            allow_all_outbound=False,
        )
        # DynamoDB's gateway endpoint is reached at the service's public addresses;
        # the subnet's routes, not this rule, decide what 443 can reach.
        security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS service endpoints")
        self.function = lambda_.Function(
            self,
            "OrderProcessor",
            function_name=function_name,
            description="Validates orders, stores them idempotently, queues them",
            runtime=LAMBDA_RUNTIME,
            architecture=lambda_.Architecture.ARM_64
            if compute.architecture == "arm64"
            else lambda_.Architecture.X86_64,
            handler="order_processor.handler.lambda_handler",
            code=runtime_package("order_processor"),
            memory_size=compute.memory_mb,
            timeout=cdk.Duration.seconds(compute.timeout_seconds),
            reserved_concurrent_executions=compute.reserved_concurrency,
            vpc=vpc,
            # With interface endpoints, no route to the internet: AWS through the endpoints only.
            vpc_subnets=ec2.SubnetSelection(
                subnet_type=ec2.SubnetType.PRIVATE_ISOLATED if private_link_only else ec2.SubnetType.PRIVATE_WITH_EGRESS
            ),
            security_groups=[security_group],
            environment={
                "ENVIRONMENT": env,
                "ORDERS_TABLE": self.read(references.TABLE_NAME),
                "ORDERS_QUEUE_URL": queue.queue_url,
                "RUNTIME_PARAMETER_PATH": ssm_parameter(env, "runtime") + "/",
                "LOG_LEVEL": compute.log_level,
            },
            environment_encryption=key,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE if compute.tracing else lambda_.Tracing.DISABLED,
        )
        # Least privilege: exactly the calls the handler makes.
        table.grant(self.function, "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem")
        # DynamoDB checks the caller's own permission on a customer-managed
        # table key: without these every read and write is AccessDenied.
        if table.encryption_key is not None:
            table.encryption_key.grant(self.function, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")
        queue.grant_send_messages(self.function)
        for parameter in limits:
            parameter.grant_read(self.function)
        self.function.add_to_role_policy(
            cdk.aws_iam.PolicyStatement(
                actions=["ssm:GetParametersByPath"],
                resources=[
                    self.format_arn(service="ssm", resource="parameter", resource_name=f"trading/{env}/runtime")
                ],
            )
        )
        acknowledge(
            self.function,
            {
                "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]": "AWS-managed log-writing policy added by CDK; the environment's permission boundary caps it",
                "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]": "ENI management for a function in the VPC; these EC2 actions cannot be scoped to resources",
                "AwsSolutions::AwsSolutions-IAM5[Resource::*]": "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions",
                "AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]": "KMS data-key actions granted by CDK on the queue's and function's own keys only",
                "AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]": "KMS re-encrypt actions granted by CDK on the queue's own key only",
                "NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy": "Grants are a policy attached to this role only, scoped to the table, queue and parameters it uses",
                "PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy": "Grants are a policy attached to this role only, scoped to the table, queue and parameters it uses",
                "NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ": "Invoked synchronously by API Gateway: failures return to the caller, there is no async event to park",
            },
        )
        # A published version per deployment and an alias that API Gateway
        # calls; traffic shifting and rollback move the alias.
        self.alias = lambda_.Alias(
            self,
            "LiveAlias",
            alias_name=ALIAS_NAME,
            version=self.function.current_version,
        )
        self.release = GuardedRelease(
            self,
            "Release",
            environment=env,
            function=self.function,
            alias=self.alias,
            compute=compute,
            deployment=environment.deployment,
            monitoring=environment.monitoring,
            api_name=cdk_name(env, "api", ResourceKind.API_GATEWAY),
            dead_letter_queue=dead_letter_queue,
            alarm_action=cloudwatch_actions.SnsAction(alarm_topic),
            vpc=vpc,
            key=key,
        )
        self.publish(references.FUNCTION_NAME, self.function.function_name)
        self.publish(references.ALIAS_ARN, self.alias.function_arn)
        self.retire_exports(self.alias.function_arn)

    def _runtime_parameters(self, env: str, runtime: RuntimeConfig) -> list[ssm.StringParameter]:
        values = {
            "max-order-quantity": str(runtime.max_order_quantity),
            "max-order-notional": str(runtime.max_order_notional),
            "trading-enabled": "true" if runtime.trading_enabled else "false",
        }
        return [
            ssm.StringParameter(
                self,
                "".join(part.capitalize() for part in name.split("-")) + "Setting",
                parameter_name=ssm_parameter(env, "runtime", name),
                string_value=value,
                description=f"Order processor runtime setting {name}",
            )
            for name, value in values.items()
        ]
