"""`/_sandbox/web`: the pull request as a team sees it on GitHub, served by the sandbox.

- `GET /_sandbox/web/{owner}/{repo}/pull/{n}` (the pull request's `html_url`, also `.../files`):
  the "Files changed" view (each file's diff from the repository, with the App's inline comments
  under their lines), the check runs on the head (conclusion, title, summary, annotations) and
  the conversation (review bodies and issue comments).
- `GET /_sandbox/web/pulls/{n}`: a short address for the same page.
- `GET /_sandbox/web/{owner}/{repo}/runs/{id}` (a check run's `html_url`): its place on that page.
- `GET /_sandbox/web/static/review.css`: the stylesheet.

Plain server-rendered HTML (Jinja2, autoescaped). Everything shown comes from the pull request, so
Markdown is rendered as GitHub does (CommonMark + tables and strikethrough, raw HTML allowed) and
then sanitised with nh3 to GitHub's kind of allow-list; code is highlighted with pygments.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import nh3
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name, get_lexer_for_filename
from pygments.util import ClassNotFound

from ..core import Sandbox
from ..gitdata import FileDiff
from .control import state_snapshot

ASSETS = Path(__file__).parent.parent / "web"  # the templates and stylesheet, bot/sandbox/web/
HIGHLIGHT_LIMIT = 512 * 1024  # bigger files are shown without colours, as GitHub does
router = APIRouter(prefix="/_sandbox/web", include_in_schema=False)

# What GitHub keeps of the HTML in comments (a subset of its sanitiser's allow-list).
ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}, "span": {"class"},
    "code": {"class"}, "pre": {"class"}, "div": {"class"}, "details": {"open"}, "th": {"style"},
    "td": {"style"}, "ol": {"start"},
}


# -- Markdown and code -------------------------------------------------------------------------------

def _lexer(name: str | None = None, filename: str | None = None):
    try:
        if name:
            return get_lexer_by_name(name, stripnl=False, ensurenl=False)
        if filename:
            return get_lexer_for_filename(filename, stripnl=False, ensurenl=False)
    except ClassNotFound:
        pass
    return TextLexer(stripnl=False, ensurenl=False)


_CODE_FORMAT = HtmlFormatter(nowrap=True)


def _highlight_block(code: str, lang: str, attrs: Any) -> str:
    # markdown-it wraps what this returns in <pre><code class="language-…">; pygments escapes.
    return highlight(code, _lexer(lang or "text"), _CODE_FORMAT)


_MARKDOWN = MarkdownIt("commonmark", {"html": True, "highlight": _highlight_block}).enable(["table", "strikethrough"])


def render_markdown(text: str | None) -> Markup:
    """A comment's Markdown as GitHub shows it, sanitised (HTML comments such as markers vanish)."""
    html = _MARKDOWN.render(text or "")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      filter_style_properties={"text-align"}, url_schemes={"http", "https", "mailto"})
    return Markup(clean)


def highlighted_lines(text: str | None, filename: str) -> list[Markup] | None:
    """The file's lines as highlighted HTML, one per line (pygments closes its spans at line ends)."""
    if text is None or len(text) > HIGHLIGHT_LIMIT:
        return None
    html = highlight(text, _lexer(filename=filename), _CODE_FORMAT)
    return [Markup(line) for line in html.split("\n")]


def when(stamp: str | None) -> str:
    """GitHub's ISO time as people read it: `Nov 25, 2026, 04:10 UTC`."""
    try:
        at = datetime.strptime(stamp or "", "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return stamp or ""
    return f"{at:%b} {at.day}, {at:%Y, %H:%M} UTC"


# -- what the page shows -----------------------------------------------------------------------------

@dataclass
class Row:
    kind: str  # "hunk", "+", "-", " " or "\\"
    old: int | None
    new: int | None
    code: Markup
    anchor: str
    comments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FileView:
    path: str
    previous: str | None
    status: str
    additions: int
    deletions: int
    binary: bool
    anchor: str
    rows: list[Row] = field(default_factory=list)
    file_comments: list[dict[str, Any]] = field(default_factory=list)  # on the file, or outdated
    comment_count: int = 0


def _decode(data: bytes | None) -> str | None:
    if data is None or b"\0" in data[:8000]:
        return None
    return data.decode("utf-8", "replace")


def _blob_text(sandbox: Sandbox, sha: str | None) -> str | None:
    if not sha or set(sha) == {"0"}:
        return None
    try:
        return _decode(sandbox.git.read_blob(sha))
    except Exception:  # a missing object shows the diff without colours rather than failing the page
        return None


def _code(lines: list[Markup] | None, number: int | None, text: str) -> Markup:
    if lines is not None and number is not None and 0 < number <= len(lines):
        return lines[number - 1]
    return Markup.escape(text)


def file_view(sandbox: Sandbox, index: int, diff: FileDiff, comments: list[dict[str, Any]]) -> FileView:
    view = FileView(diff.filename, diff.previous_filename, diff.status, diff.additions, diff.deletions, diff.binary,
                    anchor=f"diff-{index}")
    new_lines = highlighted_lines(_blob_text(sandbox, diff.new_sha), diff.filename)
    old_lines = highlighted_lines(_blob_text(sandbox, diff.old_sha), diff.previous_filename or diff.filename)
    by_line: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for comment in comments:
        if comment.get("line") is None:
            view.file_comments.append(comment)
        else:
            by_line[(comment.get("side") or "RIGHT", comment["line"])].append(comment)
    placed: set[int] = set()
    for hunk in diff.hunks:
        view.rows.append(Row("hunk", None, None, Markup.escape(hunk.header), f"{view.anchor}-h{hunk.index}"))
        for line in hunk.lines:
            if line.kind == "-":
                code = _code(old_lines, line.old, line.text)
            elif line.kind == "\\":
                code = Markup.escape("\\" + line.text)
            else:
                code = _code(new_lines, line.new, line.text)
            anchor = f"{view.anchor}-{'L' + str(line.old) if line.kind == '-' else 'R' + str(line.new)}"
            row = Row(line.kind, line.old, line.new, code, anchor)
            here = []
            if line.kind in "+ " and line.new is not None:
                here += by_line.get(("RIGHT", line.new), [])
            if line.kind in "- " and line.old is not None:
                here += by_line.get(("LEFT", line.old), [])
            row.comments = [c for c in here if id(c) not in placed]
            placed.update(id(c) for c in row.comments)
            view.rows.append(row)
    view.file_comments += [c for group in by_line.values() for c in group if id(c) not in placed]
    view.comment_count = len(comments)
    return view


def _threads(comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Top-level comments, each with `replies` (GitHub shows a thread under its first comment)."""
    tops = {c["id"]: {**c, "replies": []} for c in comments if not c.get("in_reply_to_id")}
    for c in comments:
        parent = tops.get(c.get("in_reply_to_id") or -1)
        if parent is not None:
            parent["replies"].append(c)
    return list(tops.values())


def page_context(sandbox: Sandbox, request: Request, number: int) -> dict[str, Any] | None:
    state = state_snapshot(sandbox, sandbox.renderer(request), with_requests=False)
    pull_info = next((p for p in state["pulls"] if p["number"] == number), None)
    with sandbox.state.lock:
        pull = sandbox.state.pulls.get(number)
    if pull_info is None or pull is None:
        return None
    merge_base, diffs = sandbox.pull_files(pull)
    comments = [c for c in state["review_comments"] if c["pull_number"] == number]
    threads = _threads(comments)
    by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for thread in threads:
        by_path[thread["path"]].append(thread)
    files = [file_view(sandbox, i, d, by_path.get(d.filename, [])) for i, d in enumerate(diffs)]
    shown = {d.filename for d in diffs}
    elsewhere = [t for t in threads if t["path"] not in shown]  # on files no longer in the diff
    runs = [r for r in state["check_runs"] if r["head_sha"] == pull.head_sha]
    latest: dict[str, dict[str, Any]] = {}
    for run in runs:  # the newest run of each name counts, as on GitHub
        latest[run["name"]] = run
    reviews = [r for r in state["reviews"] if r["pull_number"] == number and r["state"] != "PENDING"]
    issue_comments = [c for c in state["issue_comments"] if c["issue_number"] == number]
    commits = sandbox.git.rev_list(merge_base, pull.head_sha)
    return {
        "repo": state["repository"],
        "bot": state["app"]["bot"],
        "pull": pull_info,
        "body": pull.body,
        "author": pull.author,
        "commit_count": len(list(commits)),
        "files": files,
        "elsewhere": elsewhere,
        "checks": list(latest.values()),
        "reviews": reviews,
        "issue_comments": issue_comments,
        "comment_count": len(comments),
        "additions": sum(d.additions for d in diffs),
        "deletions": sum(d.deletions for d in diffs),
    }


# -- routes --------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _templates() -> Environment:
    env = Environment(loader=FileSystemLoader(ASSETS), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["markdown"] = render_markdown
    env.filters["when"] = when
    return env


@lru_cache(maxsize=1)
def stylesheet() -> str:
    code_colours = HtmlFormatter(style="default").get_style_defs([".code", ".markdown pre"])
    return (ASSETS / "review.css").read_text(encoding="utf-8") + "\n/* pygments */\n" + code_colours + "\n"


def _not_found(what: str) -> HTMLResponse:
    page = _templates().get_template("not_found.html").render(what=what)
    return HTMLResponse(page, status_code=404)


@router.get("/static/review.css")
def review_css() -> Response:
    return Response(stylesheet(), media_type="text/css; charset=utf-8")


@router.get("/pulls/{number}")
def short_pull(request: Request, number: int):
    sandbox: Sandbox = request.app.state.sandbox
    cfg = sandbox.cfg
    return RedirectResponse(f"/_sandbox/web/{cfg.owner}/{cfg.name}/pull/{number}", status_code=302)


@router.get("/{owner}/{repo}/pull/{number}")
@router.get("/{owner}/{repo}/pull/{number}/files")
def pull_page(request: Request, owner: str, repo: str, number: int):
    sandbox: Sandbox = request.app.state.sandbox
    if not sandbox.repo_matches(owner, repo):
        return _not_found(f"{owner}/{repo}")
    context = page_context(sandbox, request, number)
    if context is None:
        return _not_found(f"pull request #{number}")
    return HTMLResponse(_templates().get_template("pull.html").render(**context))


@router.get("/{owner}/{repo}/runs/{run_id}")
def check_run_page(request: Request, owner: str, repo: str, run_id: int):
    sandbox: Sandbox = request.app.state.sandbox
    with sandbox.state.lock:
        run = sandbox.state.check_runs.get(run_id)
        pulls = [p.number for p in sandbox.state.pulls.values() if run and p.head_sha == run.head_sha]
    if run is None or not sandbox.repo_matches(owner, repo) or not pulls:
        return _not_found(f"check run {run_id}")
    return RedirectResponse(f"/_sandbox/web/{owner}/{repo}/pull/{min(pulls)}#check-run-{run_id}", status_code=302)
