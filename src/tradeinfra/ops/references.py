"""Stale consumers: stacks deployed against an older value of a parameter
another stack of the environment publishes.

CloudFormation resolves a consumer's SSM-backed parameter when it deploys the
consumer and keeps that value until the consumer's next deployment
(`DescribeStacks` reports it as `ResolvedValue`). When the producer writes a
new value (its queue was replaced, someone overwrote the parameter), the
consumer goes on using the old one: nothing fails until a request does.
Comparing each resolved value with the parameter's current value finds it;
redeploying the consumer clears it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tradeinfra.config.naming import ssm_prefix

GET_PARAMETERS_BATCH = 10  # the most names one ssm:GetParameters call takes


@dataclass(frozen=True)
class ConsumedReference:
    consumer: str  # the stack that reads the parameter
    key: str  # the consumer's template parameter
    parameter: str  # e.g. /trading/dev/messaging/queue-arn
    deployed: str  # what CloudFormation resolved at the consumer's last deployment
    current: str | None  # the parameter's value now; None: it no longer exists

    @property
    def stale(self) -> bool:
        return self.deployed != self.current


def consumed_references(cloudformation: Any, ssm: Any, environment: str) -> list[ConsumedReference]:
    """Every reference a deployed stack of `environment` resolved from the
    environment's parameters, with the value it resolved and the current one."""
    stack_prefix, parameter_prefix = f"{environment}-trading-", ssm_prefix(environment)
    resolved: list[tuple[str, str, str, str]] = []
    for page in cloudformation.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            if not stack["StackName"].startswith(stack_prefix) or stack["StackStatus"] == "DELETE_COMPLETE":
                continue
            for parameter in stack.get("Parameters", []):
                name = parameter.get("ParameterValue", "")
                if "ResolvedValue" in parameter and name.startswith(parameter_prefix):
                    resolved.append((stack["StackName"], parameter["ParameterKey"], name, parameter["ResolvedValue"]))
    current = _current_values(ssm, sorted({name for _, _, name, _ in resolved}))
    return [
        ConsumedReference(consumer, key, name, deployed, current.get(name))
        for consumer, key, name, deployed in sorted(resolved)
    ]


def _current_values(ssm: Any, names: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for start in range(0, len(names), GET_PARAMETERS_BATCH):
        found = ssm.get_parameters(Names=names[start : start + GET_PARAMETERS_BATCH])
        values.update({parameter["Name"]: parameter["Value"] for parameter in found["Parameters"]})
    return values
