"""The audit in five formats: text, markdown, html, json (`mockguard.audit/1`) and sarif.

Pure functions of an `Inventory` (and, for `--compare`, an `InventoryComparison`): no I/O, no clock.
The Markdown and HTML read like a hand-written audit: per file, the tests that mock, what they
mock, and the real-connection way to write that kind of test. The HTML page is self-contained
(inline CSS and SVG charts, no script, no network) so it can be attached to an issue or a CI run.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

from bot.engine.categories import ADVICE, NOUNS
from bot.engine.formats.sarif import render_sarif
from bot.engine.model import RuleDoc
from bot.engine.templates import builtin_template

from .compare import InventoryComparison
from .inventory import AuditSite, FileAudit, Inventory, Scope

SCHEMA = "mockguard.audit/1"
FORMATS = ("text", "markdown", "html", "json", "sarif")


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def render(inventory: Inventory, fmt: str, *, rules: Mapping[str, RuleDoc], tool_version: str, revision: str) -> str:
    if fmt == "text":
        return render_text(inventory, revision)
    if fmt == "markdown":
        return render_markdown(inventory, revision)
    if fmt == "html":
        return render_html(inventory, revision)
    if fmt == "json":
        return json.dumps(audit_document(inventory, tool_version=tool_version, revision=revision), indent=2, ensure_ascii=False)
    if fmt == "sarif":
        return render_sarif(inventory.report, rules=rules, tool_version=tool_version)
    raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")


def _what(site: AuditSite) -> str:
    return f"{site.construct} `{site.target}`" if site.target else site.construct


def _open_scopes(file: FileAudit) -> list[Scope]:
    return [scope for scope in file.scopes if any(s.status == "open" for s in scope.sites)]


def _headline(inventory: Inventory) -> str:
    return (
        f"{plural(inventory.count('open'), 'mock')} in {plural(sum(1 for f in inventory.files if f.open), 'file')} "
        f"of {plural(inventory.files_scanned, 'integration test file')} "
        f"({inventory.count('tolerated')} tolerated, {inventory.count('suppressed')} allowed in place)"
    )


# --- text ------------------------------------------------------------------------------------


def render_text(inventory: Inventory, revision: str) -> str:
    out = [f"mockguard audit of {revision}: {_headline(inventory)}"]
    for file in inventory.files:
        out.append("")
        out.append(f"{file.path}  ({plural(file.open, 'mock')})")
        for scope in file.scopes:
            out.append(f"  {scope.kind} {scope.name} (lines {scope.start}-{scope.end})")
            for site in scope.sites:
                mark = "" if site.status == "open" else f"  [{site.status}: {site.reason or ''}]"
                out.append(f"    {site.line}: {site.rule} {_what(site)} [{site.category}]{mark}")
    if inventory.count("open"):
        out.append("")
        for title, key in (("by category", "category"), ("by folder", "folder"), ("by rule", "rule")):
            out.append(f"{title}: " + ", ".join(f"{name} {count}" for name, count in inventory.totals(key).items()))
    for notice in inventory.notices:
        out.append(f"notice: {notice.path or ''}{':' + str(notice.line) if notice.line else ''} {notice.message}")
    return "\n".join(out)


def render_comparison(comparison: InventoryComparison, old: str, new: str) -> str:
    out = [f"integration-test mocks: {comparison.before} at {old} -> {comparison.after} at {new}"]
    for title, sites in (("added", comparison.added), ("removed", comparison.removed)):
        out.append(f"{title} ({len(sites)}):")
        out += [f"  {s.path}:{s.line}: {s.rule} {_what(s)} [{s.category}]" for s in sites]
    out.append(f"moved ({len(comparison.moved)}):")
    out += [f"  {a.path}:{a.line} -> {b.path}:{b.line}: {_what(b)}" for a, b in comparison.moved]
    return "\n".join(out)


def comparison_document(comparison: InventoryComparison, old: str, new: str) -> dict[str, Any]:
    return {
        "schema": "mockguard.audit-compare/1",
        "old": old,
        "new": new,
        "before": comparison.before,
        "after": comparison.after,
        "added": [_site_json(s) for s in comparison.added],
        "removed": [_site_json(s) for s in comparison.removed],
        "moved": [{"from": _site_json(a), "to": _site_json(b)} for a, b in comparison.moved],
    }


# --- json ------------------------------------------------------------------------------------


def _site_json(site: AuditSite) -> dict[str, Any]:
    return {
        "path": site.path,
        "line": site.line,
        "end_line": site.end_line,
        "rule": site.rule,
        "construct": site.construct,
        "target": site.target,
        "category": site.category,
        "severity": site.severity,
        "status": site.status,
        "reason": site.reason,
        "code": site.code,
    }


def audit_document(inventory: Inventory, *, tool_version: str, revision: str) -> dict[str, Any]:
    """The stable, versioned shape (docs/audit.md). Within version 1 keys are only added."""
    return {
        "schema": SCHEMA,
        "tool": {"name": "mockguard", "version": tool_version},
        "revision": revision,
        "summary": {
            "open": inventory.count("open"),
            "tolerated": inventory.count("tolerated"),
            "suppressed": inventory.count("suppressed"),
            "files_with_mocks": sum(1 for f in inventory.files if f.open),
            "files_scanned": inventory.files_scanned,
        },
        "totals": {key: inventory.totals(key) for key in ("category", "folder", "rule")},
        "files": [
            {
                "path": file.path,
                "open": file.open,
                "scopes": [
                    {
                        "name": scope.name,
                        "kind": scope.kind,
                        "start": scope.start,
                        "end": scope.end,
                        "sites": [_site_json(s) for s in scope.sites],
                    }
                    for scope in file.scopes
                ],
            }
            for file in inventory.files
        ],
        "notices": [{"path": n.path, "line": n.line, "level": n.level, "message": n.message} for n in inventory.notices],
    }


# --- markdown --------------------------------------------------------------------------------


def _advice(inventory: Inventory, category: str) -> str:
    """The repository's own real fixture for the category when it has one, else the general advice."""
    fixtures = inventory.real_fixtures.get(category)
    if fixtures:
        best = fixtures[0]
        used = f", used by {plural(best.uses, 'test')}" if best.uses else ""
        return f"This repository already has `{best.name}` in {best.path}:{best.line}{used}: request it instead."
    return f"{ADVICE.get(category, ADVICE['generic'])}."


def _categories(file: FileAudit) -> list[str]:
    seen: dict[str, None] = {}
    for site in file.sites:
        if site.status == "open":
            seen.setdefault(site.category, None)
    return list(seen)


def render_markdown(inventory: Inventory, revision: str) -> str:
    out = [f"# Mock audit of the integration suite at `{revision}`", "", _headline(inventory) + ".", ""]
    if inventory.count("open"):
        out += ["| category | mocks |", "| --- | ---: |"]
        out += [f"| {name} | {count} |" for name, count in inventory.totals("category").items()]
        out += ["", "| folder | mocks |", "| --- | ---: |"]
        out += [f"| `{name}` | {count} |" for name, count in inventory.totals("folder").items()]
        out.append("")
    for file in inventory.files:
        out += [f"## `{file.path}`: {plural(file.open, 'mock')}", ""]
        for scope in _open_scopes(file):
            sites = [s for s in scope.sites if s.status == "open"]
            mocked = "; ".join(f"{_what(s)} (line {s.line}, {NOUNS.get(s.category, s.category)})" for s in sites)
            out.append(f"- **{scope.name}** ({scope.kind}, lines {scope.start}-{scope.end}) mocks {mocked}")
        kept = [s for s in file.sites if s.status != "open"]
        for site in kept:
            out.append(f"- line {site.line}: {_what(site)} is {site.status}: {site.reason or ''}")
        out.append("")
        for category in _categories(file):
            out.append(f"How to write these {category} tests for real: {_advice(inventory, category)}")
            out += ["", "```python", builtin_template(category).code.strip(), "```", ""]
    for notice in inventory.notices:
        out.append(f"> {notice.path or ''}{':' + str(notice.line) if notice.line else ''}: {notice.message}")
    return "\n".join(out).rstrip() + "\n"


# --- html ------------------------------------------------------------------------------------

_STYLE = """
body{font:14px/1.5 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2328;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.headline{color:#57606a;margin-bottom:1.5rem}.charts{display:flex;gap:2rem;flex-wrap:wrap}
.chart{flex:1;min-width:320px;border:1px solid #d0d7de;border-radius:6px;padding:1rem}
.chart h3{margin:0 0 .5rem;font-size:1rem} table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top} th{background:#f6f8fa}
.status-tolerated,.status-suppressed{color:#57606a} .count{font-weight:600}
details{margin:.5rem 0} summary{cursor:pointer;color:#0969da}
pre{background:#f6f8fa;padding:.8rem;border-radius:6px;overflow:auto}
"""
_COLOURS = ("#cf222e", "#bc4c00", "#9a6700", "#1a7f37", "#0969da", "#8250df", "#bf3989", "#57606a")


def _bars(title: str, counts: dict[str, int], chart_id: str) -> str:
    """A horizontal bar chart as inline SVG (no script, no network)."""
    rows = list(counts.items())[:12]
    if not rows:
        return f'<div class="chart" id="{chart_id}"><h3>{html.escape(title)}</h3><p>none</p></div>'
    biggest = max(count for _, count in rows)
    height = 24 * len(rows) + 8
    parts = [f'<svg role="img" aria-label="{html.escape(title)}" width="100%" viewBox="0 0 480 {height}" xmlns="http://www.w3.org/2000/svg">']
    for index, (name, count) in enumerate(rows):
        y = 4 + index * 24
        width = max(2, round(250 * count / biggest))
        colour = _COLOURS[index % len(_COLOURS)]
        parts.append(
            f'<g class="bar" data-name="{html.escape(name)}" data-count="{count}">'
            f'<text x="0" y="{y + 15}" font-size="12">{html.escape(name[-34:])}</text>'
            f'<rect x="200" y="{y}" width="{width}" height="18" rx="3" fill="{colour}"/>'
            f'<text x="{206 + width}" y="{y + 15}" font-size="12">{count}</text></g>'
        )
    parts.append("</svg>")
    return f'<div class="chart" id="{chart_id}"><h3>{html.escape(title)}</h3>{"".join(parts)}</div>'


def render_html(inventory: Inventory, revision: str) -> str:
    esc = html.escape
    body = [
        f"<h1>Mock audit of the integration suite at <code>{esc(revision)}</code></h1>",
        f'<p class="headline">{esc(_headline(inventory))}</p>',
        '<div class="charts">',
        _bars("Mocks per category", inventory.totals("category"), "by-category"),
        _bars("Mocks per folder", inventory.totals("folder"), "by-folder"),
        "</div>",
    ]
    for file in inventory.files:
        body.append(f'<section class="file" data-path="{esc(file.path)}" data-open="{file.open}">')
        body.append(f"<h2><code>{esc(file.path)}</code>: <span class=\"count\">{esc(plural(file.open, 'mock'))}</span></h2>")
        body.append("<table><tr><th>test</th><th>lines</th><th>line</th><th>what is mocked</th><th>category</th></tr>")
        for scope in file.scopes:
            for index, site in enumerate(scope.sites):
                name = f"<td rowspan=\"{len(scope.sites)}\"><code>{esc(scope.name)}</code> <small>{esc(scope.kind)}</small></td><td rowspan=\"{len(scope.sites)}\">{scope.start}-{scope.end}</td>" if index == 0 else ""
                status = "" if site.status == "open" else f" <em>({esc(site.status)}: {esc(site.reason or '')})</em>"
                body.append(
                    f'<tr class="site status-{esc(site.status)}" data-line="{site.line}">{name}<td>{site.line}</td>'
                    f"<td><code>{esc(site.code)}</code>{status}</td><td>{esc(site.category)}</td></tr>"
                )
        body.append("</table>")
        for category in _categories(file):
            template = builtin_template(category)
            body.append(
                f"<details class=\"advice\" data-category=\"{esc(category)}\"><summary>Write these {esc(category)} tests for real: "
                f"{esc(_advice(inventory, category))}</summary><pre><code>{esc(template.code.strip())}</code></pre></details>"
            )
        body.append("</section>")
    if inventory.notices:
        body.append("<h2>Notices</h2><ul>")
        body += [f"<li>{esc(n.path or '')}{':' + str(n.line) if n.line else ''}: {esc(n.message)}</li>" for n in inventory.notices]
        body.append("</ul>")
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>mockguard audit: {esc(revision)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
