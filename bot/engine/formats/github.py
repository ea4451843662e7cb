"""The github format: GitHub Actions workflow commands, so plain `mockguard check` in a workflow
step annotates the pull request's diff without uploading SARIF.

    ::error file=tests/e2e/test_ws.py,line=12,col=5,endLine=14,title=MG101::message%0A...
    ::notice file=tests/e2e/broken.py,line=3,title=mockguard::could not parse ...

A finding's command is its severity (error, warning, notice); its message is the finding's
message followed by the first lines of the real-connection template. Suppressed and tolerated
sites are not annotated (they are allowed); the last line is the plain summary, for the log.
Values are escaped as the Actions runner expects (`%`, CR and LF in data; also `:` and `,` in
property values), so a path or message can never end the command early.
"""

from __future__ import annotations

from ..model import Finding, Notice, Report
from .comparison import Comparison
from .hints import summary_line, template_hint

COMMANDS = {"error": "error", "warning": "warning", "notice": "notice"}


def render_github(report: Report, comparison: Comparison | None = None) -> str:
    lines = [_finding(finding) for finding in report.findings]
    lines += [_notice(notice) for notice in report.notices]
    if comparison is not None:
        lines.append(comparison.sentence())
    lines.append(summary_line(report))
    return "\n".join(lines)


def render_github_error(message: str) -> str:
    """A run that could not complete: one error annotation carrying the reason."""
    return workflow_command("error", {"title": "mockguard could not check this change"}, message)


def _finding(finding: Finding) -> str:
    message = "\n".join([finding.message, *template_hint(finding)])
    properties = {
        "file": finding.path,
        "line": finding.line,
        "col": finding.column,
        "endLine": max(finding.end_line, finding.line),
        "title": finding.rule,
    }
    return workflow_command(COMMANDS.get(finding.severity, "warning"), properties, message)


def _notice(notice: Notice) -> str:
    properties: dict[str, object] = {}
    if notice.path:
        properties["file"] = notice.path
        if notice.line:
            properties["line"] = notice.line
    properties["title"] = "mockguard"
    return workflow_command("warning" if notice.level == "warning" else "notice", properties, notice.message)


def workflow_command(command: str, properties: dict[str, object], message: str) -> str:
    """`::command key=value,...::message`, escaped by the rules of @actions/core's command.ts."""
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{command}{' ' + rendered if rendered else ''}::{escape_data(message)}"


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")
