"""Which property changes replace a CloudFormation resource: the AWS service
specification the CDK's own `cdk diff` reads (`@aws-cdk/aws-service-spec`,
pinned in package.json, `db.json.gz`), read once per process.

Each property says `causesReplacement`: "yes", "maybe" (depends on the
values, e.g. a key change of some types), or nothing. The guard counts
"maybe" as a replacement of a stateful resource: asking once too often is
cheaper than losing a table."""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path

from tradeinfra.errors import TradeinfraError
from tradeinfra.ops.tools import REPO_ROOT

SPEC = REPO_ROOT / "node_modules" / "@aws-cdk" / "aws-service-spec" / "db.json.gz"


class ServiceSpecError(TradeinfraError):
    """The service specification is missing or unreadable."""


def replacing_properties(resource_type: str, spec: Path = SPEC) -> frozenset[str]:
    """The top-level properties of `resource_type` whose change may replace it."""
    return _replacing(spec).get(resource_type, frozenset())


@functools.cache
def _replacing(spec: Path) -> dict[str, frozenset[str]]:
    try:
        with gzip.open(spec, "rt", encoding="utf-8") as stream:
            database = json.load(stream)
        resources = database["schema"]["resource"]["entities"]
    except FileNotFoundError:
        raise ServiceSpecError(f"{spec}: not found: run 'make setup' (npm ci installs it)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ServiceSpecError(f"{spec}: unreadable AWS service specification: {exc}") from None
    return {
        resource["cloudFormationType"]: frozenset(
            name
            for name, prop in resource.get("properties", {}).items()
            if prop.get("causesReplacement") in ("yes", "maybe")
        )
        for resource in resources
        if "cloudFormationType" in resource
    }
