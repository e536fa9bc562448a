"""Publish drift results: DriftedStacks per environment, DriftedResources per
environment and stack, DetectionFailures per environment."""

from __future__ import annotations

from typing import Any

from .detector import StackDrift

NAMESPACE = "Trading/Drift"


def metric_data(environment: str, results: list[StackDrift]) -> list[dict[str, Any]]:
    env = {"Name": "Environment", "Value": environment}
    data: list[dict[str, Any]] = [
        {"MetricName": "DriftedStacks", "Dimensions": [env], "Value": sum(r.drifted for r in results), "Unit": "Count"},
        {
            "MetricName": "DetectionFailures",
            "Dimensions": [env],
            "Value": sum(r.status in ("DETECTION_FAILED", "TIMED_OUT") for r in results),
            "Unit": "Count",
        },
    ]
    data += [
        {
            "MetricName": "DriftedResources",
            "Dimensions": [env, {"Name": "Stack", "Value": r.stack_name}],
            "Value": r.drifted_resources,
            "Unit": "Count",
        }
        for r in results
    ]
    return data


def publish(cloudwatch: Any, environment: str, results: list[StackDrift]) -> None:
    data = metric_data(environment, results)
    for start in range(0, len(data), 1000):  # PutMetricData takes at most 1,000 data points
        cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data[start : start + 1000])
