"""The values the stacks of one environment publish in Parameter Store, and
the only way one stack hands a value to another.

A producer writes each value to `/trading/<env>/<component>/<name>` (and as a
stack output); a consumer declares an SSM-backed template parameter naming
that path, which CloudFormation resolves when it deploys the consumer. No
stack imports another's CloudFormation export, so a producer's value can
change without first updating every consumer (the "export in use" lock).

Producer and consumer both name a value through this catalog; the checks that
find a stale consumer (`tradeinfra validate`, `drift`) and the readers of the
synthesized output recognise a reference by the same paths.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradeinfra.config.naming import ssm_parameter, ssm_prefix


@dataclass(frozen=True)
class Published:
    """One value a stack publishes: `/trading/<env>/<component>/<name>`."""

    component: str  # the construct ID of the stack that writes it
    name: str
    description: str

    def parameter(self, environment: str) -> str:
        return ssm_parameter(environment, self.component, self.name)


PERMISSIONS_BOUNDARY_ARN = Published("security", "permissions-boundary-arn", "ARN of the permission boundary")
VPC_ID = Published("network", "vpc-id", "ID of the environment's VPC")
PRIVATE_SUBNET_IDS = Published("network", "private-subnet-ids", "Private subnet IDs (with egress), one per zone")
ISOLATED_SUBNET_IDS = Published("network", "isolated-subnet-ids", "Isolated subnet IDs, one per zone")
TABLE_NAME = Published("data", "table-name", "Name of the orders table")
TABLE_ARN = Published("data", "table-arn", "ARN of the orders table")
TABLE_KEY_ARN = Published("data", "table-key-arn", "ARN of the KMS key that encrypts the orders table")
BUCKET_NAME = Published("storage", "bucket-name", "Name of the trade-data bucket")
BUCKET_ARN = Published("storage", "bucket-arn", "ARN of the trade-data bucket")
QUEUE_URL = Published("messaging", "queue-url", "URL of the orders queue")
QUEUE_ARN = Published("messaging", "queue-arn", "ARN of the orders queue")
QUEUE_KEY_ARN = Published("messaging", "queue-key-arn", "ARN of the KMS key that encrypts both orders queues")
DLQ_URL = Published("messaging", "dlq-url", "URL of the dead-letter queue")
DLQ_ARN = Published("messaging", "dlq-arn", "ARN of the dead-letter queue")
ALARM_TOPIC_ARN = Published("monitoring", "alarm-topic-arn", "ARN of the environment's alarm topic")
FUNCTION_NAME = Published("compute", "function-name", "Name of the order processor")
ALIAS_ARN = Published("compute", "alias-arn", "ARN of the order processor's live alias")
API_URL = Published("api", "api-url", "Invoke URL of the orders API stage")
API_ID = Published("api", "api-id", "ID of the orders API")

PUBLISHED: tuple[Published, ...] = (
    PERMISSIONS_BOUNDARY_ARN,
    VPC_ID,
    PRIVATE_SUBNET_IDS,
    ISOLATED_SUBNET_IDS,
    TABLE_NAME,
    TABLE_ARN,
    TABLE_KEY_ARN,
    BUCKET_NAME,
    BUCKET_ARN,
    QUEUE_URL,
    QUEUE_ARN,
    QUEUE_KEY_ARN,
    DLQ_URL,
    DLQ_ARN,
    ALARM_TOPIC_ARN,
    FUNCTION_NAME,
    ALIAS_ARN,
    API_URL,
    API_ID,
)

# The CloudFormation parameter type of a reference: resolved from Parameter
# Store each time the consumer's stack is created or updated.
SSM_PARAMETER_TYPE = "AWS::SSM::Parameter::Value<String>"


def from_parameter_store(parameter_type: object) -> bool:
    """Whether a template parameter of this type is resolved from Parameter Store."""
    return str(parameter_type).startswith("AWS::SSM::Parameter::Value<")


def is_reference(environment: str, parameter_type: str, parameter_name: object) -> bool:
    """Whether a template parameter is a reference to a value the stacks of
    `environment` publish (CDK's own SSM-backed parameters, such as the
    bootstrap version, are not)."""
    return (
        from_parameter_store(parameter_type)
        and isinstance(parameter_name, str)
        and parameter_name.startswith(ssm_prefix(environment))
    )
