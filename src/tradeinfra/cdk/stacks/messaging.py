"""The SQS orders queue and its dead-letter queue."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from tradeinfra.cdk.base import TradingStack
from tradeinfra.cdk.constructs.encryption import EncryptionKey
from tradeinfra.config import references
from tradeinfra.config.models import EnvironmentConfig, MessagingConfig
from tradeinfra.config.naming import ResourceKind, cdk_name


class MessagingStack(TradingStack):
    def __init__(self, scope: Construct, *, environment: EnvironmentConfig, messaging: MessagingConfig) -> None:
        super().__init__(scope, "messaging", environment=environment, description="Orders queue and dead-letter queue")
        env = environment.name
        key = EncryptionKey(
            self, "QueueKey", alias=cdk_name(env, "orders-queue"), description="Encrypts order messages", retain=False
        ).key
        self.dead_letter_queue = sqs.Queue(
            self,
            "OrdersDeadLetterQueue",
            queue_name=cdk_name(env, "orders-dlq", ResourceKind.SQS_QUEUE),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=cdk.Duration.seconds(messaging.dlq_retention_seconds),
        )
        self.queue = sqs.Queue(
            self,
            "OrdersQueue",
            queue_name=cdk_name(env, "orders", ResourceKind.SQS_QUEUE),
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=cdk.Duration.seconds(messaging.retention_seconds),
            visibility_timeout=cdk.Duration.seconds(messaging.visibility_timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=messaging.dlq_max_receive_count
            ),
        )
        self.publish(references.QUEUE_URL, self.queue.queue_url)
        self.publish(references.QUEUE_ARN, self.queue.queue_arn)
        self.publish(references.QUEUE_KEY_ARN, key.key_arn)
        self.publish(references.DLQ_URL, self.dead_letter_queue.queue_url)
        self.publish(references.DLQ_ARN, self.dead_letter_queue.queue_arn)
        self.retire_exports(self.queue.queue_url, self.queue.queue_arn, key.key_arn, self.dead_letter_queue.queue_name)
