"""A Lambda function that operates the platform (drift detection, deployment
hooks): Python code from `tradeinfra/runtime/<package>`, in the VPC behind an
HTTPS-only security group, one reserved concurrency slot per job, encrypted
environment and logs."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from tradeinfra.cdk.constructs.encryption import encrypted_log_group
from tradeinfra.cdk.constructs.lambda_code import LAMBDA_RUNTIME, runtime_package
from tradeinfra.config.naming import ResourceKind, check_name


class OperationsFunction(Construct):
    """`function_name` runs `<package>.handler.<handler>`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function_name: str,
        description: str,
        package: str,
        handler: str,
        vpc: ec2.IVpc,
        key: kms.IKey,
        timeout: cdk.Duration,
        log_retention_days: int,
        environment: dict[str, str],
        reserved_concurrency: int = 1,
        dead_letter_queue: sqs.IQueue | None = None,
    ) -> None:
        super().__init__(scope, construct_id)

        name = check_name(function_name, ResourceKind.LAMBDA_FUNCTION)
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, description=f"{name}: egress to AWS APIs only", allow_all_outbound=False
        )
        self.security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS service endpoints")
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=name,
            description=description,
            runtime=LAMBDA_RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler=f"{package}.handler.{handler}",
            code=runtime_package(package),
            memory_size=256,
            timeout=timeout,
            reserved_concurrent_executions=reserved_concurrency,
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[self.security_group],
            environment=environment,
            environment_encryption=key,
            log_group=encrypted_log_group(
                self,
                "Logs",
                name=f"/aws/lambda/{name}",
                retention_days=log_retention_days,
                key=key,
            ),
            tracing=lambda_.Tracing.ACTIVE,
            dead_letter_queue=dead_letter_queue,
        )
