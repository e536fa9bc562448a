"""Entry points CodeDeploy invokes during a traffic shift of the order
processor's alias. Each reports Succeeded or Failed back to CodeDeploy, which
rolls the alias back on Failed; an error inside a check counts as Failed, so a
deployment never waits for a hook that crashed."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

import boto3

from .checks import check_conformance, run_synthetic_checks

logger = logging.getLogger("deployment_hooks")
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))


def pre_traffic(event: dict[str, Any], context: Any) -> dict[str, str]:
    version_arn = os.environ["TARGET_VERSION_ARN"]
    return _run_hook(
        event,
        "pre-traffic synthetic checks",
        lambda: run_synthetic_checks(boto3.client("lambda"), version_arn, event["DeploymentId"]),
        boto3.client("codedeploy"),
    )


def expected_configuration(environ: Mapping[str, str]) -> dict[str, Any]:
    """The configured settings of the order processor, from the hook's EXPECTED_* variables."""
    return {
        "MemorySize": int(environ["EXPECTED_MEMORY_SIZE"]),
        "Timeout": int(environ["EXPECTED_TIMEOUT"]),
        "Runtime": environ["EXPECTED_RUNTIME"],
        "Architectures": [environ["EXPECTED_ARCHITECTURE"]],
        "ReservedConcurrentExecutions": int(environ["EXPECTED_RESERVED_CONCURRENCY"]),
        "Environment": {"ENVIRONMENT": environ["EXPECTED_ENVIRONMENT"], "LOG_LEVEL": environ["EXPECTED_LOG_LEVEL"]},
    }


def post_traffic(event: dict[str, Any], context: Any) -> dict[str, str]:
    expected = expected_configuration(os.environ)
    return _run_hook(
        event,
        "post-traffic conformance check",
        lambda: check_conformance(
            boto3.client("lambda"),
            os.environ["FUNCTION_NAME"],
            os.environ["ALIAS_NAME"],
            os.environ["TARGET_VERSION_ARN"],
            expected,
        ),
        boto3.client("codedeploy"),
    )


def _run_hook(event: dict[str, Any], name: str, check: Callable[[], list[str]], codedeploy: Any) -> dict[str, str]:
    try:
        failures = check()
    except Exception as exc:
        logger.exception("%s could not run", name)
        failures = [f"{name} could not run: {type(exc).__name__}: {exc}"]
    status = "Failed" if failures else "Succeeded"
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )
    logger.info(json.dumps({"hook": name, "deployment": event["DeploymentId"], "status": status, "failures": failures}))
    return {"status": status, "failures": "; ".join(failures)}
