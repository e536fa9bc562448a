"""The access report as text, JSON, Markdown or one self-contained HTML page.
Broken rules first, each with what decides it; then every rule that holds."""

from __future__ import annotations

import json
from html import escape

from tradeinfra.access.gate import AccessReport, Row


def _summary(report: AccessReport) -> str:
    held = len(report.rows) - len(report.broken)
    state = "every contract holds" if report.ok else f"{len(report.broken)} broken"
    return (
        f"access: {state}: {held} of {len(report.rows)} rules hold in {', '.join(report.environments)} "
        f"({report.simulations} simulated requests)"
    )


def _ordered(report: AccessReport) -> list[Row]:
    return report.broken + [row for row in report.rows if row.holds]


def render_text(report: AccessReport, *, show_all: bool = False) -> str:
    lines = [_summary(report)]
    for row in report.broken if not show_all else _ordered(report):
        mark = "ok  " if row.holds else "FAIL"
        lines.append(f"{mark} {row.environment:<8} {row.workload:<26} {row.rule}")
        lines += [f"       - {detail}" for detail in row.details]
    return "\n".join(lines) + "\n"


def render_json(report: AccessReport) -> str:
    return (
        json.dumps(
            {
                "ok": report.ok,
                "environments": report.environments,
                "simulations": report.simulations,
                "rows": [
                    {
                        "workload": row.workload,
                        "environment": row.environment,
                        "kind": row.kind,
                        "rule": row.rule,
                        "actions": row.actions,
                        "resources": row.resources,
                        "resource_environment": row.resource_environment,
                        "result": "holds" if row.holds else "broken",
                        "details": row.details,
                    }
                    for row in _ordered(report)
                ],
            },
            indent=2,
        )
        + "\n"
    )


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: AccessReport) -> str:
    lines = [
        f"# Access contracts\n\n{_summary(report)}\n",
        "| result | environment | workload | rule | decided by |",
        "|---|---|---|---|---|",
    ]
    for row in _ordered(report):
        lines.append(
            f"| {'holds' if row.holds else '**broken**'} | {row.environment} | {_md(row.workload)} | {_md(row.rule)} "
            f"| {_md('; '.join(row.details))} |"
        )
    return "\n".join(lines) + "\n"


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1d2433;background:#fafbfc}
h1{font-size:1.5rem;margin:0 0 .25rem}.status{display:inline-block;padding:.35rem .8rem;border-radius:6px;font-weight:600}
.ok{background:#e3f5e8;color:#17663a}.bad{background:#fde8e8;color:#9b1c1c}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0001;margin:.5rem 0;font-size:13px}
th,td{border:1px solid #e3e6ea;padding:.3rem .6rem;text-align:left;vertical-align:top}th{background:#f1f3f6}
"""


def render_html_section(report: AccessReport) -> str:
    """The table alone, for embedding in the platform report."""
    status = "ok" if report.ok else "bad"
    out = [f'<p><span class="status {status}">{escape(_summary(report))}</span></p>']
    out.append("<table><tr><th>result</th><th>environment</th><th>workload</th><th>rule</th><th>decided by</th></tr>")
    for row in _ordered(report):
        result = "holds" if row.holds else "<b>broken</b>"
        details = "<br>".join(escape(detail) for detail in row.details)
        out.append(
            f"<tr><td>{result}</td><td>{escape(row.environment)}</td><td>{escape(row.workload)}</td>"
            f"<td><code>{escape(row.rule)}</code></td><td>{details}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def render_html(report: AccessReport) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Access contracts</title>"
        f"<style>{STYLE}</style></head><body><h1>Access contracts</h1>{render_html_section(report)}</body></html>\n"
    )
