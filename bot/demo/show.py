"""The demo in the terminal (rich): a progress line per step, then what the App said.

Plain text when the output is not a terminal or NO_COLOR is set (rich decides), so the output can
be read by scripts and in CI logs too.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.status import Status
from rich.syntax import Syntax
from rich.text import Text

from .loop import DemoResult, ShownComment

CONCLUSION_STYLE = {"failure": "bold red", "success": "bold green", "neutral": "bold yellow",
                    "action_required": "bold yellow", "cancelled": "dim", "timed_out": "bold red"}
TEMPLATE_HEADING = "**Use a real connection instead:**"
TOLERATE_FOLD = "<details>"
WHY_HEADING = "**Why this hides bugs:**"


class RichSteps:
    """One spinner line while a step runs, then a tick and its duration."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._status: Status | None = None
        self._description = ""

    @contextmanager
    def step(self, description: str) -> Iterator[None]:
        started = time.monotonic()
        self._description = description
        try:
            with self.console.status(description, spinner="dots") as status:
                self._status = status
                yield
        except BaseException:
            self.console.print(Text.assemble(("✗ ", "bold red"), description))
            raise
        finally:
            self._status = None
        elapsed = time.monotonic() - started
        self.console.print(Text.assemble(("✓ ", "green"), description, (f"  {elapsed:.1f} s", "dim")))

    def update(self, text: str) -> None:
        if self._status is not None:
            self._status.update(f"{self._description} [dim]· {text}[/]")


def _comment_text(body: str) -> tuple[str, int]:
    """The part of a comment to print (what, why) and the length of its real-connection template."""
    shown, _, rest = body.partition(TEMPLATE_HEADING)
    shown = shown.split(TOLERATE_FOLD)[0].split(WHY_HEADING)[0].strip()
    template_lines = 0
    if rest:
        code = rest.split("```", 2)
        template_lines = len(code[1].strip("\n").split("\n")) - 1 if len(code) > 2 else 0
    return shown, template_lines


def _comment(comment: ShownComment) -> Group:
    where = Text.assemble((f"{comment.path}:{comment.line}", "bold cyan"))
    parts: list = [where]
    if comment.code is not None and comment.line:
        code = Syntax(comment.code, "python", theme="ansi_dark", background_color="default").highlight(comment.code)
        code.rstrip()
        parts.append(Text.assemble((f"{comment.line:>4}  ", "dim"), code))
    text, template_lines = _comment_text(comment.body)
    parts.append(Padding(Markdown(text), (0, 0, 0, 4)))
    if template_lines:
        parts.append(Padding(Text(f"+ why this hides bugs, a {template_lines}-line real-connection test to write "
                                  "instead, and how to keep the mock on purpose (on the page)", style="dim"), (0, 0, 0, 4)))
    return Group(*parts, Text(""))


def show_result(console: Console, result: DemoResult) -> None:
    run = result.check_run
    conclusion = run["conclusion"] or run["status"]
    target = result.target
    console.print()
    console.print(Rule(Text.assemble(f"{target.owner}/{target.name} #{result.pull['number']}  ",
                                     (result.pull["title"], "bold"))))
    console.print(Text.assemble(("check ", "dim"), (run["name"], "bold"), (": ", "dim"),
                                (conclusion, CONCLUSION_STYLE.get(conclusion, "bold")), (" · ", "dim"),
                                run["output"]["title"] or ""))
    console.print()
    if result.comments:
        n = len(result.comments)
        console.print(Text(f"{n} inline comment{'s' if n != 1 else ''} on the pull request:", style="bold"))
        console.print()
        for comment in result.comments:
            console.print(_comment(comment))
    else:
        console.print(Text("No inline comments.", style="bold"))
        console.print()
    _not_commented(console, result)
    for body in result.summary_comments:
        first = body.strip().split("\n", 1)[0]
        console.print(Text("Summary comment in the conversation:", style="bold"))
        console.print(Padding(Markdown(first), (0, 0, 0, 2)))
        console.print()


def _not_commented(console: Console, result: DemoResult) -> None:
    if not result.local_report:
        return
    rows = [("tolerated", f) for f in result.local_report.get("tolerated", [])]
    rows += [("allowed", f) for f in result.local_report.get("suppressed", [])]
    if not rows:
        return
    console.print(Text("Seen but not commented on, on purpose:", style="bold"))
    for kind, f in rows:
        what = f["construct"] + (f" {f['target']}" if f.get("target") else "")
        console.print(Text.assemble(("  " + kind.ljust(10), "yellow"), (f"{f['path']}:{f['line']}", "cyan"),
                                    f"  {what}", (f" · {f['reason']}" if f.get("reason") else "", "dim")))
    console.print()


def show_page(console: Console, result: DemoResult, *, served: bool) -> None:
    body = Text.assemble(("The pull request as the team sees it (Files changed, comments, check):\n", ""),
                         (result.page_url, "bold underline"))
    if not served:
        body.append("\nThe servers stop when the demo ends; run with --keep to browse it.", style="dim")
    console.print(Panel(body, expand=False, border_style="blue"))
    console.print(Text.assemble(("From start to result: ", "dim"), (f"{result.seconds:.1f} s", "bold"),
                                (" (repository, key, sandbox, serve, webhook, review, check)", "dim")))
