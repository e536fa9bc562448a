"""Where the platform's Lambda code comes from: one package of
`tradeinfra/runtime/` per function, on one Python runtime."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_

RUNTIME_SOURCE = Path(__file__).resolve().parents[2] / "runtime"
LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_14


def runtime_package(package: str) -> lambda_.Code:
    """The asset holding only `runtime/<package>/*.py` (no tests, no caches)."""
    return lambda_.Code.from_asset(
        str(RUNTIME_SOURCE),
        exclude=["*", f"!{package}", f"!{package}/*.py"],
        ignore_mode=cdk.IgnoreMode.GLOB,
    )
