"""One self-contained page (inline CSS, no scripts, no network): the
matrix, the findings and a per-environment resource inventory."""

from __future__ import annotations

from html import escape

from tradeinfra.config.views import MatrixRow
from tradeinfra.parity.formatters import display
from tradeinfra.parity.model import ParityReport

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1d2433;background:#fafbfc}
h1{font-size:1.5rem;margin:0 0 .25rem} h2{font-size:1.1rem;margin:2rem 0 .5rem}
.status{display:inline-block;padding:.35rem .8rem;border-radius:6px;font-weight:600}
.ok{background:#e3f5e8;color:#17663a}.bad{background:#fde8e8;color:#9b1c1c}
table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0001;margin:.5rem 0;font-size:13px}
th,td{border:1px solid #e3e6ea;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f1f3f6} td.odd{background:#fff4d6;font-weight:600} code{font-size:12px}
.high{color:#9b1c1c;font-weight:600}.medium{color:#8a5a00;font-weight:600}.low{color:#1b5e9b}
details{margin:.25rem 0} summary{cursor:pointer;font-weight:600}
"""


def _cell(value: object) -> str:
    return escape(display(value))


def render(report: ParityReport, matrix: list[MatrixRow]) -> str:
    envs = report.environments
    status = (
        f'<span class="status ok">Consistent: {len(report.explained)} difference(s), all declared</span>'
        if report.consistent
        else f'<span class="status bad">{len(report.findings)} finding(s)</span>'
    )
    out = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<title>Environment parity</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Environment parity: {escape(', '.join(envs))}</h1>{status}",
        "<h2>Findings</h2>",
    ]
    if report.findings:
        out.append("<table><tr><th>rule</th><th>severity</th><th>stack</th><th>resource</th><th>path</th>")
        out += [f"<th>{escape(e)}</th>" for e in envs]
        out.append("<th>message</th></tr>")
        for f in report.findings:
            out.append(
                f"<tr><td>{escape(f.rule)}</td><td class={escape(str(f.severity))}>{escape(str(f.severity))}</td>"
                f"<td>{escape(f.stack)}</td><td><code>{escape(f.resource)}</code></td><td><code>{escape(f.path)}</code></td>"
            )
            out += [f"<td class={'odd' if e in f.environments else 'same'}>{_cell(f.values.get(e))}</td>" for e in envs]
            out.append(f"<td>{escape(f.message)}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>None: every difference between environments is a declared variation.</p>")
    out.append("<h2>Settings that differ (from config/)</h2><table><tr><th>setting</th>")
    out += [f"<th>{escape(e)}</th>" for e in envs]
    out.append("<th>declared</th></tr>")
    for row in matrix:
        if row.varies:
            out.append(f"<tr><td><code>{escape(row.path)}</code></td>")
            out += [f"<td>{_cell(row.values[e])}</td>" for e in envs]
            out.append(f"<td>{'yes' if row.declared else '<b>no</b>'}</td></tr>")
    out.append("</table><h2>Resource inventory</h2>")
    for env in envs:
        stacks = report.inventory.get(env, {})
        total = sum(len(resources) for resources in stacks.values())
        out.append(f"<details><summary>{escape(env)}: {total} resources in {len(stacks)} stacks</summary>")
        for stack, resources in stacks.items():
            out.append(f"<table><tr><th colspan=2>{escape(stack)}</th></tr>")
            out += [f"<tr><td><code>{escape(path)}</code></td><td>{escape(kind)}</td></tr>" for path, kind in resources]
            out.append("</table>")
        out.append("</details>")
    out.append("</body></html>\n")
    return "".join(out)
