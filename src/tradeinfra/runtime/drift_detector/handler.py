"""Entry point: an EventBridge schedule, or a CloudFormation stack-status
event for one stack of the environment."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import boto3

from .detector import DriftDetector, Settings
from .metrics import publish

logger = logging.getLogger("drift_detector")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    environment = os.environ["ENVIRONMENT"]
    prefix = os.environ.get("STACK_PREFIX", f"{environment}-trading-")
    detector = DriftDetector(
        boto3.client("cloudformation"), Settings(max_wait_seconds=float(os.environ.get("MAX_WAIT_SECONDS", "240")))
    )
    stack = (event.get("detail") or {}).get("stack-id", "").split("/")[1:2]
    names = [stack[0]] if stack and stack[0].startswith(prefix) else detector.stacks(prefix)
    results = detector.detect(names)
    publish(boto3.client("cloudwatch"), environment, results)
    summary = {
        "environment": environment,
        "stacks": len(results),
        "drifted": [r.stack_name for r in results if r.drifted],
        "failed": [
            f"{r.stack_name}: {r.status} {r.reason}".strip() for r in results if r.status not in ("IN_SYNC", "DRIFTED")
        ],
    }
    logger.info(json.dumps(summary))
    return summary
