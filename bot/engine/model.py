"""The engine's data: what goes in (a change) and what comes out (a report).

Everything here is a frozen value. The engine is pure: it never touches git, GitHub or the network;
callers (the CLI, the service) read a change into `FileChange` values and hand them over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args


Category = Literal[
    "websocket",
    "database",
    "redis",
    "http",
    "llm",
    "auth",
    "time",
    "filesystem",
    "queue",
    "internal-service",
    "generic",
    "cannot-fail",  # MG3xx: tests that cannot fail (no mock: a swallowed or skipped failure)
]
CATEGORIES: tuple[str, ...] = get_args(Category)


@dataclass(frozen=True)
class FileChange:
    """One file of a change: both versions' text and which head lines the change adds.

    `base_text` is None for an added file, `head_text` None for a deleted one. For a renamed file
    `base_path` is the old path. `added_lines` and `deleted_lines` are 1-based line numbers in
    the head and base versions respectively.
    """

    path: str
    base_path: str | None
    base_text: str | None
    head_text: str | None
    added_lines: frozenset[int]
    deleted_lines: frozenset[int] = frozenset()
    status: str = "modified"  # added | modified | deleted | renamed


@dataclass(frozen=True)
class Site:
    """One place where a mock is created or installed, as a detector sees it."""

    rule: str  # e.g. "MG101"
    construct: str  # e.g. "patch.object", "AsyncMock", "mocker.patch", "import"
    line: int
    column: int  # 1-based
    end_line: int
    target: str | None  # patched dotted path or attribute, when there is one
    library: str  # the mocking library family: "unittest.mock", "pytest-mock", "responses", ...
    exact_key: str  # the site's code with layout and comments removed
    component_key: str  # what is mocked, independent of where it is written
    hints: tuple[str, ...] = ()  # words for category inference: spec, bound name, test name
    enclosing_test: str | None = None
    scope: str | None = None  # the classes and functions around it, e.g. "TestOrders.setUp"
    scope_lines: tuple[int, int] | None = None  # first and last line of the innermost of them
    bound: str | None = None  # the name a mock object is bound to (`db = MagicMock()`)


@dataclass(frozen=True)
class ImportSite:
    """An import of a mocking library, as a scan finds it."""

    line: int
    library: str
    names: tuple[str, ...]  # local names it binds
    exact_key: str


@dataclass(frozen=True)
class Step:
    """One link of how a mock reaches a test (MG201/MG202): the test, each fixture or helper on the
    way, then the line that builds the mock."""

    label: str  # `test_orders`, `fake_db` (fixture), `MagicMock()` of `app.db.session`
    path: str
    line: int


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    end_line: int
    construct: str
    target: str | None
    category: str
    rule: str
    severity: str
    message: str
    template: str | None  # the adapted real-connection snippet
    code: str = ""  # the site's source line, stripped (for SARIF fingerprints and display)
    reason: str | None = None  # for suppressed and tolerated findings
    origin: str | None = None  # whose code the target is: own | stdlib | third-party (None: unknown)
    chain: tuple[Step, ...] = ()  # how the mock arrives (fixtures and helpers), test first; () for the others

    @classmethod
    def at_site(cls, path: str, site: Site, lines: list[str], *, category: str, message: str,
                template: str | None) -> Finding:
        """The finding for a site of `path` (whose lines are `lines`): placed where the site is."""
        return cls(
            path=path,
            line=site.line,
            column=site.column,
            end_line=site.end_line,
            construct=site.construct,
            target=site.target,
            category=category,
            rule=site.rule,
            severity="error",
            message=message,
            template=template,
            code=lines[site.line - 1].strip() if 0 < site.line <= len(lines) else "",
        )


@dataclass(frozen=True)
class Notice:
    path: str | None
    message: str
    line: int | None = None
    level: str = "notice"  # notice | warning


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...] = ()
    suppressed: tuple[Finding, ...] = ()
    tolerated: tuple[Finding, ...] = ()
    notices: tuple[Notice, ...] = ()
    files_checked: tuple[str, ...] = ()
    fail_on: str = "error"  # the gate: which severity blocks
    # Mock sites in the whole gated files the change touches, before and after it (the debt going
    # down or up); None when not counted.
    mocks_before: int | None = None
    mocks_after: int | None = None

    @property
    def blocking(self) -> tuple[Finding, ...]:
        order = {"error": 0, "warning": 1, "notice": 2}
        limit = order.get(self.fail_on, -1)
        return tuple(f for f in self.findings if order.get(f.severity, 9) <= limit)

    def summary(self) -> dict[str, int]:
        return {
            "findings": len(self.findings),
            "blocking": len(self.blocking),
            "suppressed": len(self.suppressed),
            "tolerated": len(self.tolerated),
            "notices": len(self.notices),
            "files_checked": len(self.files_checked),
        }


@dataclass(frozen=True)
class RuleDoc:
    """How a rule documents itself (Ruff's sections)."""

    id: str
    name: str
    summary: str
    what_it_does: str
    why_bad: str
    example: str
    use_instead: str
    examples_valid: tuple[str, ...] = field(default=())
    examples_invalid: tuple[str, ...] = field(default=())
