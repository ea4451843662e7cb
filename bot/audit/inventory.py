"""Every mock site of the gated files at one revision, grouped by file and by enclosing test.

Pure: a mapping of path -> text in, an `Inventory` out. The engine is asked about each file as if
the whole file were added (`FileChange` with no base and every line added), so the audit sees
exactly what `check` would flag if the file were new: same detectors, categories, tolerations and
`# mockguard: allow` suppressions, and the same cheap first pass (a file that mentions no mock
word is never parsed).
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from bot.engine.analyse import analyse
from bot.engine.rulesfile import ConfigAnswers
from bot.engine.diff import source_lines
from bot.engine.model import FileChange, Finding, Notice, Report
from bot.engine.real_fixtures import RealFixture, find_real_fixtures


@dataclass(frozen=True)
class AuditSite:
    path: str
    line: int
    end_line: int
    construct: str
    target: str | None
    category: str
    rule: str
    status: str  # open | tolerated | suppressed
    code: str
    reason: str | None = None
    severity: str = "error"


@dataclass(frozen=True)
class Scope:
    """A test, fixture, helper or method (or the module itself) and the sites inside it."""

    name: str
    kind: str  # test | fixture | helper | class | module
    start: int
    end: int
    sites: tuple[AuditSite, ...]


@dataclass(frozen=True)
class FileAudit:
    path: str
    scopes: tuple[Scope, ...]

    @property
    def sites(self) -> tuple[AuditSite, ...]:
        return tuple(site for scope in self.scopes for site in scope.sites)

    @property
    def open(self) -> int:
        return sum(1 for site in self.sites if site.status == "open")


@dataclass(frozen=True)
class Inventory:
    files: tuple[FileAudit, ...]  # the files with the most open mocks first
    files_scanned: int
    notices: tuple[Notice, ...] = ()
    report: Report = field(default_factory=Report)  # what the engine said, for SARIF
    # The repository's own real-connection fixtures per category, most used first (suggestions).
    real_fixtures: Mapping[str, list[RealFixture]] = field(default_factory=dict)

    @property
    def sites(self) -> tuple[AuditSite, ...]:
        return tuple(site for file in self.files for site in file.sites)

    def totals(self, key: str, status: str = "open") -> dict[str, int]:
        """Counts of sites with `status` by `category`, `rule` or `folder`, biggest first."""
        counter: Counter[str] = Counter()
        for site in self.sites:
            if site.status != status:
                continue
            counter[folder_of(site.path) if key == "folder" else getattr(site, key)] += 1
        return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))

    def count(self, status: str = "open") -> int:
        return sum(1 for site in self.sites if site.status == status)


# A test's dependency on a mock-providing fixture or helper points at a mock counted where it is built.
DEPENDENCY_RULES = frozenset({"MG201", "MG202"})


def is_mock(rule: str) -> bool:
    """The audit counts mocks: not dependencies on them (counted where they are built), and not
    the MG3xx family (tests that cannot fail are a problem of their own, not a mock)."""
    return rule not in DEPENDENCY_RULES and not rule.startswith("MG3")


def folder_of(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else "."


def take_inventory(
    files: Mapping[str, str],
    config: ConfigAnswers,
    *,
    today: date | None = None,
    template_files: Mapping[str, str] | None = None,
    workers: int | None = None,
) -> Inventory:
    """The mock sites of every gated file in `files` (path -> text)."""
    changes = [
        FileChange(path, None, None, text, frozenset(range(1, len(source_lines(text)) + 1)), frozenset(), "added")
        for path, text in sorted(files.items())
        if config.is_integration_test(path)
    ]
    report = analyse(changes, config, today=today, template_files=template_files, workers=workers, count_debt=False, tests_that_cannot_fail=False)
    def mocks(sites: tuple[Finding, ...]) -> tuple[Finding, ...]:
        return tuple(f for f in sites if is_mock(f.rule))

    report = replace(report, findings=mocks(report.findings), tolerated=mocks(report.tolerated),
                     suppressed=mocks(report.suppressed))
    by_path: dict[str, list[AuditSite]] = {}
    for group, status in ((report.findings, "open"), (report.tolerated, "tolerated"), (report.suppressed, "suppressed")):
        for finding in group:
            by_path.setdefault(finding.path, []).append(_site(finding, status))
    audits = [FileAudit(path, _group(files[path], sites)) for path, sites in by_path.items()]
    audits.sort(key=lambda f: (-f.open, -len(f.sites), f.path))
    return Inventory(tuple(audits), len(changes), report.notices, report, find_real_fixtures(files))


def _site(finding: Finding, status: str) -> AuditSite:
    return AuditSite(
        path=finding.path,
        line=finding.line,
        end_line=finding.end_line,
        construct=finding.construct,
        target=finding.target,
        category=finding.category,
        rule=finding.rule,
        status=status,
        code=finding.code,
        reason=finding.reason,
        severity=finding.severity,
    )


@dataclass(frozen=True)
class _Def:
    name: str
    kind: str
    start: int
    end: int


def scopes_of(text: str) -> list[_Def]:
    """Functions and classes with their line ranges (decorators included), outermost first.

    CPython's `ast` is enough here (positions, no comments needed) and runs at C speed; a file
    that does not parse has only its module scope."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: list[_Def] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                end = child.end_lineno or child.lineno
                name = f"{prefix}{child.name}"
                found.append(_Def(name, _kind(child), start, end))
                walk(child, f"{name}.")
            else:
                walk(child, prefix)

    walk(tree, "")
    return found


def _kind(node: ast.AST) -> str:
    if isinstance(node, ast.ClassDef):
        return "class"
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        text = ast.unparse(target)
        if text.split(".")[-1] == "fixture":
            return "fixture"
    name = node.name
    if name.startswith("test") or name in ("setUp", "setUpClass", "setup_method", "setup_class", "setup_module"):
        return "test"
    return "helper"


def _group(text: str, sites: list[AuditSite]) -> tuple[Scope, ...]:
    """Each site goes to its innermost function (a method's class only when no function holds it)."""
    defs = scopes_of(text)
    members: dict[_Def | None, list[AuditSite]] = {}
    for site in sorted(sites, key=lambda s: (s.line, s.construct)):
        holders = [d for d in defs if d.start <= site.line <= d.end]
        functions = [d for d in holders if d.kind != "class"]
        innermost = functions or holders
        chosen = innermost[-1] if innermost else None
        members.setdefault(chosen, []).append(site)
    lines = len(source_lines(text))
    scopes = [
        Scope(d.name, d.kind, d.start, d.end, tuple(s)) if d is not None else Scope("(module level)", "module", 1, lines, tuple(s))
        for d, s in members.items()
    ]
    return tuple(sorted(scopes, key=lambda scope: (scope.start, scope.name)))
