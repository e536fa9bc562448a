"""`tradeinfra report`: one self-contained HTML page (inline CSS, no
scripts) of where every environment stands on a target: the parity matrix,
each environment's deployment history, its latest validation, its latest
drift check and its latest plan."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from tradeinfra.access.formatters import render_html_section
from tradeinfra.access.gate import AccessReport
from tradeinfra.config.loader import PlatformConfig
from tradeinfra.config.views import MatrixRow, environment_matrix
from tradeinfra.errors import TradeinfraError
from tradeinfra.ops.plan.formatters import counts_text
from tradeinfra.ops.results import CHECKS, load_result
from tradeinfra.ops.versions import DeploymentStore
from tradeinfra.parity.formatters import display
from tradeinfra.parity.formatters.html import STYLE
from tradeinfra.parity.model import ParityReport

RESULT_STYLE = {
    "passed": "ok",
    "succeeded": "ok",
    "failed": "bad",
    "rolled-back": "bad",
    "interrupted": "bad",
    "not emulated": "warn",
    "in-progress": "warn",
}
EXTRA_STYLE = ".warn{background:#fff4d6;color:#8a5a00} td.ok,td.bad,td.warn{font-weight:600}"


def render_report(
    platform: PlatformConfig,
    parity: ParityReport | None,
    state_dir: Path,
    target: str,
    parity_page: str | None,
    access: AccessReport | None = None,
    stores: Callable[[str], DeploymentStore] | None = None,
) -> str:
    """`stores`: each environment's versions (the ledger); None reads the
    state directory's cache alone."""
    names = platform.names
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<title>tradeinfra: environments</title>",
        f"<style>{STYLE}{EXTRA_STYLE}</style></head><body>",
        f"<h1>Trading platform environments on {escape(target)}</h1>",
        f"<p>Generated {datetime.now(UTC).strftime('%Y-%m-%d %H:%M:%SZ')} from <code>{escape(str(state_dir))}</code>.</p>",
        *_parity(parity, environment_matrix(platform), names, parity_page),
        *_access(access),
    ]
    for name in names:
        store = stores(name) if stores is not None else DeploymentStore(state_dir, target, name)
        parts += _environment(state_dir, target, name, store)
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _parity(
    parity: ParityReport | None, matrix: list[MatrixRow], names: Sequence[str], page: str | None
) -> Iterable[str]:
    yield "<h2>Parity</h2>"
    if parity is None:
        yield '<p><span class="status warn">not run</span> (no synthesized output: run tradeinfra synth)</p>'
    elif parity.consistent:
        yield f'<p><span class="status ok">Consistent: {len(parity.explained)} difference(s), all declared</span></p>'
    else:
        yield f'<p><span class="status bad">{len(parity.findings)} finding(s)</span></p>'
    if page:
        yield f'<p>Findings, explained differences and inventories: <a href="{escape(page)}">{escape(page)}</a></p>'
    yield "<p>Settings that differ between environments (each a declared variation):</p>"
    rows = [[row.path, *(display(row.values[n]) for n in names)] for row in matrix if row.varies]
    yield _table(["setting", *names], rows)


def _access(access: AccessReport | None) -> Iterable[str]:
    yield "<h2>Access contracts</h2>"
    if access is None:
        yield '<p><span class="status warn">not run</span> (no synthesized output: run tradeinfra synth)</p>'
        return
    yield render_html_section(access)


def _environment(state_dir: Path, target: str, name: str, store: DeploymentStore) -> Iterable[str]:
    yield f"<h2>{escape(name)}</h2>"
    versions = store.versions()
    for problem in store.problems.values():
        yield f'<p><span class="status bad">unreadable record, skipped</span> {escape(problem)}</p>'
    if not versions:
        yield "<p>Never deployed on this target.</p>"
        return
    yield "<details open><summary>Deployments</summary>"
    yield _table(
        ["version", "result", "apps", "commit", "redeploys", "finished", "detail"],
        [
            [
                v.version,
                v.result,
                ", ".join(v.apps),
                v.git_commit[:12],
                v.source_version or "",
                v.finished_at or "",
                v.detail,
            ]
            for v in versions
        ],
        status_column=1,
    )
    yield "</details>"
    validation, drift, plan, unreadable = _results(state_dir, target, name)
    for problem in unreadable:
        yield f'<p><span class="status bad">unreadable</span> {escape(problem)}</p>'
    if validation is None:
        yield "<p>Validation: not run.</p>"
    else:
        checks = validation["checks"]
        counts = {o: sum(c["outcome"] == o for c in checks) for o in ("passed", "failed", "not emulated")}
        status = "ok" if validation["ok"] else "bad"
        yield (
            f'<details {"" if validation["ok"] else "open"}><summary>Validation: <span class="status {status}">'
            f"{counts['passed']} passed, {counts['failed']} failed, {counts['not emulated']} not emulated</span>"
            "</summary>"
        )
        yield _table(
            ["resource", "setting", "expected", "actual", "result"],
            [[c["resource"], c["setting"], c["expected"], c["actual"], c["outcome"]] for c in checks],
            status_column=4,
        )
        yield "</details>"
    if drift is None:
        yield "<p>Drift: not checked.</p>"
    elif not drift["drifted"]:
        yield f'<p>Drift: <span class="status ok">none</span> ({escape("; ".join(drift["checked"]))})</p>'
    else:
        yield (
            f'<p>Drift from {escape(drift["versions"])}: <span class="status bad">'
            f"{len(drift['drifts'])} drifted setting(s)</span></p>"
        )
        yield _table(
            ["found by", "resource", "property", "expected", "actual"],
            [[d["source"], d["resource"], d["property"], d["expected"], d["actual"]] for d in drift["drifts"]],
        )
    yield from _plan(plan)


def _plan(plan: Any) -> Iterable[str]:
    if plan is None:
        yield "<p>Plan: none made (tradeinfra plan).</p>"
        return
    counts = counts_text(plan["counts"])
    status = "bad" if plan["findings"] else "ok"
    lost = f"; {len(plan['findings'])} stateful replacement(s) or removal(s) not allowed" if plan["findings"] else ""
    yield (
        f"<details {'open' if plan['findings'] else ''}><summary>Latest plan, of {escape(plan['version'])}: "
        f'<span class="status {status}">{escape(counts + lost)}</span></summary>'
    )
    for caveat in plan["caveats"]:
        yield f'<p><span class="status warn">caveat</span> {escape(caveat)}</p>'
    rows = [
        [
            change["action"] + (" (data lost)" if change["loses_data"] else ""),
            change["container"],
            change["physical_name"] or change["address"],
            change["resource_type"],
            "; ".join(f"{p['path']}: {p['before']} -> {p['after']}" for p in change["properties"]),
        ]
        for change in plan["changes"]
    ]
    yield _table(["action", "where", "resource", "type", "properties"], rows)
    yield "</details>"


def _results(state_dir: Path, target: str, name: str) -> tuple[Any, Any, Any, list[str]]:
    """The latest validation, drift and plan results; an unreadable one is named, not shown."""
    found: dict[str, Any] = {}
    unreadable = []
    for check in CHECKS:
        try:
            found[check] = load_result(state_dir, target, name, check)
        except TradeinfraError as exc:
            found[check], problem = None, str(exc)
            unreadable.append(problem)
    return found["validation"], found["drift"], found["plan"], unreadable


def _table(header: list[str], rows: list[list[str]], status_column: int | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            css = RESULT_STYLE.get(value, "") if index == status_column else ""
            cells.append(f'<td class="{css}">{escape(value)}</td>' if css else f"<td>{escape(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"
