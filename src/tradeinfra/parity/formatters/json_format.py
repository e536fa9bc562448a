"""Machine-readable report."""

from __future__ import annotations

import json

from tradeinfra.parity.model import ParityReport


def render(report: ParityReport) -> str:
    return (
        json.dumps(
            {
                "consistent": report.consistent,
                "environments": report.environments,
                "findings": [finding.to_json() for finding in report.findings],
                "explained": [
                    {
                        "stack": e.stack,
                        "resource": e.resource,
                        "path": e.path,
                        "variation": e.setting,
                        "values": e.values,
                    }
                    for e in report.explained
                ],
            },
            indent=2,
        )
        + "\n"
    )
