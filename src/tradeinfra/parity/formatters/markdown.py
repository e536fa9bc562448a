"""A pull-request comment."""

from __future__ import annotations

from tradeinfra.config.views import MatrixRow
from tradeinfra.parity.formatters import display
from tradeinfra.parity.model import ParityReport


def _cell(value: object) -> str:
    return display(value).replace("|", "\\|").replace("\n", " ")


def render(report: ParityReport, matrix: list[MatrixRow]) -> str:
    envs = report.environments
    lines = ["## Environment parity", ""]
    if report.findings:
        lines += [
            f"**{len(report.findings)} finding(s)**: environments differ where no declared variation allows it.",
            "",
        ]
        lines += ["| rule | severity | stack | resource | path | " + " | ".join(envs) + " | message |"]
        lines += ["|" + "---|" * (6 + len(envs))]
        for f in report.findings:
            values = " | ".join(
                (f"**{_cell(f.values.get(e))}**" if e in f.environments else _cell(f.values.get(e))) for e in envs
            )
            lines.append(
                f"| {f.rule} | {f.severity} | {_cell(f.stack)} | `{_cell(f.resource)}` | `{_cell(f.path)}` | {values} | {_cell(f.message)} |"
            )
    else:
        lines.append(
            f"✅ {', '.join(envs)} are consistent: {len(report.explained)} difference(s), each explained by a declared variation."
        )
    lines += ["", "<details><summary>Settings that differ</summary>", ""]
    lines += ["| setting | " + " | ".join(envs) + " |", "|" + "---|" * (1 + len(envs))]
    for row in matrix:
        if row.varies:
            lines.append(f"| `{row.path}` | " + " | ".join(_cell(row.values[e]) for e in envs) + " |")
    lines += ["", "</details>", ""]
    return "\n".join(lines)
