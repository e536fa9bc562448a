"""A plan as JSON (machines, the report), markdown (a pull request, the
approval's review artifact) and HTML (a page of its own). The CLI renders
text itself."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from tradeinfra.ops.plan.model import Plan, ResourceChange, counted


def to_json(plan: Plan) -> dict[str, Any]:
    return {
        "environment": plan.environment,
        "target": plan.target,
        "version": plan.version,
        "counts": counted(plan.changes),
        "findings": [_change(c) for c in plan.findings],
        "acknowledged": [{**_change(c), "acknowledged_by": plan.acknowledgment(c)} for c in plan.acknowledged],
        "unused_allowances": plan.unused_allowances,
        "unused_reviews": [review.model_dump() for review in plan.unused_reviews],
        "caveats": plan.caveats,
        "variations": [{"setting": s, "from": a, "to": b} for s, a, b in plan.variations],
        "changes": [_change(c) for c in plan.changes],
    }


def _change(change: ResourceChange) -> dict[str, Any]:
    shown = asdict(change)
    shown["action"] = change.action.value
    shown["loses_data"] = change.loses_data
    shown["change"] = change.fingerprint
    return shown


def summary(plan: Plan) -> str:
    return counts_text(counted(plan.changes))


def counts_text(counts: Mapping[str, int]) -> str:
    """`2 to add, 1 to modify`, or `no changes`: a plan's counts per action, as the report shows them too."""
    return ", ".join(f"{n} to {action}" for action, n in counts.items() if n) or "no changes"


def to_markdown(plan: Plan) -> str:
    lines = [
        f"## Plan: {plan.environment} on {plan.target}",
        "",
        f"What deploying {plan.version} would change: **{summary(plan)}**.",
        "",
    ]
    lines += [
        f"> **Stateful, data lost:** {shown_name(c)}: {c.action.value}{_why(c)} (change `{c.fingerprint}`)"
        for c in plan.findings
    ]
    lines += [
        f"> Allowed ({plan.acknowledgment(c)}): {shown_name(c)}: {c.action.value}{_why(c)}" for c in plan.acknowledged
    ]
    lines += [f"> Caveat: {caveat}" for caveat in plan.caveats]
    if plan.variations:
        lines += ["", "Declared variations that keep this environment's values:", ""]
        lines += ["| setting | from | here |", "|---|---|---|"]
        lines += [f"| `{s}` | {_cell(a)} | {_cell(b)} |" for s, a, b in plan.variations]
    if plan.changes:
        lines += [
            "",
            "| action | where | resource | type | property | before | after |",
            "|---|---|---|---|---|---|---|",
        ]
        for change in plan.changes:
            first = (
                f"| {change.action.value} | {change.container} | {_cell(shown_name(change))} | {change.resource_type} "
            )
            if not change.properties:
                lines.append(first + "| | | |")
            for index, prop in enumerate(change.properties):
                lead = first if index == 0 else "| | | | "
                mark = " (replaces)" if prop.replaces else ""
                lines.append(f"{lead}| `{prop.path}`{mark} | {_cell(prop.before)} | {_cell(prop.after)} |")
    return "\n".join(lines) + "\n"


def to_html(plan: Plan) -> str:
    """A standalone page; every value escaped."""
    rows = []
    for change in plan.changes:
        cls = "loss" if change.loses_data else change.action.value
        props = "".join(
            f"<li><code>{_e(p.path)}</code>{' (replaces)' if p.replaces else ''}: "
            f"{_e(p.before)} &rarr; {_e(p.after)}</li>"
            for p in change.properties
        )
        rows.append(
            f'<tr class="{cls}"><td>{change.action.value}</td><td>{_e(change.container)}</td>'
            f"<td>{_e(shown_name(change))}</td><td>{_e(change.resource_type)}</td><td><ul>{props}</ul></td></tr>"
        )
    findings = "".join(
        f"<li>{_e(shown_name(c))}: {c.action.value}{_e(_why(c))} (change <code>{c.fingerprint}</code>)</li>"
        for c in plan.findings
    )
    caveats = "".join(f"<li>{_e(c)}</li>" for c in plan.caveats)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Plan: {_e(plan.environment)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}
tr.loss{{background:#fdd}}tr.add{{background:#efe}}tr.replace{{background:#ffe}}ul{{margin:0;padding-left:1.2em}}</style></head>
<body><h1>Plan: {_e(plan.environment)} on {_e(plan.target)}</h1>
<p>What deploying {_e(plan.version)} would change: <strong>{_e(summary(plan))}</strong>.</p>
{f"<h2>Stateful, data lost</h2><ul>{findings}</ul>" if findings else ""}
{f"<h2>Caveats</h2><ul>{caveats}</ul>" if caveats else ""}
<table><tr><th>action</th><th>where</th><th>resource</th><th>type</th><th>properties</th></tr>{"".join(rows)}</table>
</body></html>
"""


def shown_name(change: ResourceChange) -> str:
    """`physical (logical)`, or the address alone where no physical name is known."""
    return f"{change.physical_name} ({change.address})" if change.physical_name else change.address


def _why(change: ResourceChange) -> str:
    why = [p.path for p in change.properties if p.replaces]
    return f" because of {', '.join(why)}" if why else ""


def _cell(value: str) -> str:
    shown = value if len(value) <= 120 else value[:117] + "..."
    return shown.replace("|", "\\|").replace("\n", " ")


def _e(value: str) -> str:
    return html.escape(value, quote=True)
