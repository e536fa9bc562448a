"""Terminal report: the findings, then the environment matrix."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tradeinfra.config.views import MatrixRow
from tradeinfra.parity.formatters import display
from tradeinfra.parity.model import ParityReport

SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}


def render(report: ParityReport, matrix: list[MatrixRow]) -> RenderableType:
    parts: list[RenderableType] = []
    if report.findings:
        findings = Table(title=f"{len(report.findings)} parity finding(s)", title_justify="left")
        for column in ("rule", "severity", "stack", "resource", "path", *report.environments, "message"):
            findings.add_column(column, overflow="fold")
        for f in report.findings:
            findings.add_row(
                f.rule,
                Text(str(f.severity), style=SEVERITY_STYLE[str(f.severity)]),
                f.stack,
                f.resource,
                f.path,
                *(
                    Text(display(f.values.get(env)), style="bold" if env in f.environments else "")
                    for env in report.environments
                ),
                f.message,
            )
        parts.append(findings)
    else:
        parts.append(
            Text(
                f"✓ environments {', '.join(report.environments)} are consistent: "
                f"{len(report.explained)} difference(s), each explained by a declared variation",
                style="green",
            )
        )
    table = Table(title="environment matrix (settings that differ)", title_justify="left")
    table.add_column("setting", no_wrap=True)
    for env in report.environments:
        table.add_column(env)
    for row in matrix:
        if row.varies:
            marker = "◆ " if row.declared else "✗ "
            table.add_row(Text(marker + row.path), *(Text(display(row.values[e])) for e in report.environments))
    parts.append(table)
    return Group(*parts)
