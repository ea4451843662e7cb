"""MG2xx: mocks that arrive without a mock call on the added line.

A test gets a mock through a fixture (its own, a conftest's, an autouse one: MG201), through a
helper function that builds or installs one (MG202), through a hand-rolled patch such as
`mailer.send = fake` (MG203), or through an in-memory fake of a server (fakeredis, mongomock,
pyfakefs: name-use detectors in `bot/engine/detectors/`, like the mocking libraries). This package
follows fixtures and helpers through a read-only view of the head tree (`tree.HeadTree`), reading
only the files it needs, once each.

Only new dependencies count: a dependency is created on an added line (a parameter, a
`usefixtures` mark, a call, an autouse fixture), and the base version of the same test (in any
file of the change, for a test that moved) must not already have had it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..categories import ADVICE, NOUNS, category_of_words, infer_category, words
from ..detectors.fake_filesystem import PYFAKEFS_FIXTURES, FakeFilesystem
from ..diff import source_lines
from ..first_pass import Layout, WordLines, may_start_arrival, touched_statements, walk_holding
from ..model import FileChange, Finding, Notice, Step
from ..suppressions import find_suppressions, suppression_for
from ..templates import TemplateError, adapt, builtin_template
from .handrolled import Patch, hand_rolled_patches
from .project import MockSource, Project, Provision
from .pymodel import ModuleModel, TestDef, dotted, parse, root_name
from .tree import HeadTree, TreeLookup

if TYPE_CHECKING:
    from ..rulesfile import ConfigAnswers
    from ..templates import Template
    from .pymodel import Request

FIXTURE_RULE, HELPER_RULE, PATCH_RULE = "MG201", "MG202", "MG203"
PYFAKEFS_RULE = FakeFilesystem.id


@dataclass
class Arrivals:
    """What the MG2xx pass adds to the mock-library findings, and what it takes from them."""

    findings: list[Finding] = field(default_factory=list)  # the mock-library findings kept, then MG2xx ones
    suppressed: list[Finding] = field(default_factory=list)
    tolerated: list[Finding] = field(default_factory=list)  # judged here (settings pointed at a real service)
    notices: list[Notice] = field(default_factory=list)


@dataclass(frozen=True)
class _Draft:
    path: str
    line: int
    column: int
    rule: str
    construct: str
    target: str | None
    category: str
    message: str
    test: str | None
    source: tuple[str, int] | None = None  # where the mock a fixture or helper provides is built
    chain: tuple[Step, ...] = ()  # test -> fixtures or helpers -> the line that builds the mock


def find_arrivals(
    changes: Sequence[FileChange],
    selected: Sequence[FileChange],
    config: ConfigAnswers,
    lookup: TreeLookup | None,
    findings: Sequence[Finding],
    templates: Mapping[str, Template],
) -> Arrivals:
    arriving = ArrivalsPass(changes, selected, config, lookup)
    for change in selected:
        arriving.read(change)
    return arriving.finish(findings, templates)


class ArrivalsPass:
    """`find_arrivals` one file at a time: `read` each gated file (in any order, interleaved with
    the other families so that a file's `ast` parse is shared, and while worker processes look
    for the mock-library sites), then `finish` with those sites' findings."""

    def __init__(self, changes: Sequence[FileChange], selected: Sequence[FileChange], config: ConfigAnswers, lookup: TreeLookup | None) -> None:
        self.changes = changes
        self.gated = [c for c in selected if c.added_lines and c.head_text is not None]
        self.project = Project(HeadTree(lookup, changes), tolerate_environment=config.tolerate_environment)
        self.history = _History(changes)
        self.starts: dict[str, bool] = {}
        # per file read: (the fixture and helper drafts, the hand-rolled ones: kept unless a
        # mock-library finding already stands on their line)
        self.read_drafts: list[tuple[list[_Draft], list[_Draft]]] = []

    def read(self, change: FileChange, layout: Layout | None = None) -> None:
        """`layout`: the head's first-look layout, when the caller has it already."""
        if not change.added_lines or change.head_text is None:
            return
        # Only plain markers, imports or constants added: nothing can arrive (first_pass.py).
        self.starts[change.path] = starts = may_start_arrival(change.head_text, change.added_lines, layout)
        if not starts:
            return
        model = self.project.model(change.path)
        if model is None or model.tree is None:
            return
        dependencies = _fixture_dependencies(self.project, change, model, self.history) + _helper_calls(self.project, change, model, self.history)
        self.read_drafts.append((dependencies, _hand_rolled(self.project, change, model)))

    def finish(self, findings: Sequence[Finding], templates: Mapping[str, Template]) -> Arrivals:
        result = Arrivals()
        if not self.gated:
            result.findings = list(findings)
            return result
        built = {(f.path, f.line) for f in findings}
        drafts: list[_Draft] = []
        for dependencies, patches in self.read_drafts:
            drafts += dependencies
            drafts += [d for d in patches if (d.path, d.line) not in built]  # a MagicMock assigned is already found
        drafts += _new_autouse(self.project, self.changes, self.gated, self.history, self.starts)
        # A mock this change builds is reported where it is built; a dependency on it would say it twice.
        drafts = [d for d in drafts if d.source is None or d.source not in built]
        result.findings, result.tolerated = _real_settings(self.project, self.gated, findings)
        _place(drafts, self.project, templates, result)
        return result


# --- what the base already had ----------------------------------------------------------------


class _History:
    """The base side of every file of the change, by test name: what each test already requested
    and called (a test moved from another file brings its dependencies along)."""

    def __init__(self, changes: Sequence[FileChange]) -> None:
        self._changes = changes
        self._tests: dict[str, list[tuple[set[str], set[str]]]] | None = None
        self._autouse: set[str] | None = None

    def _loaded(self) -> tuple[dict[str, list[tuple[set[str], set[str]]]], set[str]]:
        if self._tests is None or self._autouse is None:
            self._tests, self._autouse = self._read()
        return self._tests, self._autouse

    def _read(self) -> tuple[dict[str, list[tuple[set[str], set[str]]]], set[str]]:
        tests: dict[str, list[tuple[set[str], set[str]]]] = {}
        autouse: set[str] = set()
        for change in self._changes:
            if change.base_text is None:
                continue
            model = parse(change.base_path or change.path, change.base_text)
            if model.tree is None:
                continue
            for test in model.tests:
                calls = {text for node in ast.walk(test.node) if isinstance(node, ast.Call) and (text := dotted(node.func))}
                tests.setdefault(test.qualified, []).append(({r.name for r in test.requests}, calls))
            autouse.update(f.name for f in model.all_fixtures() if f.autouse)
        return tests, autouse

    def requested(self, test: TestDef, name: str) -> bool:
        tests, _ = self._loaded()
        return any(name in requests for requests, _ in tests.get(test.qualified, ()))

    def called(self, test: TestDef, callee: str) -> bool:
        tests, _ = self._loaded()
        return any(callee in calls for _, calls in tests.get(test.qualified, ()))

    def was_autouse(self, name: str) -> bool:
        _, autouse = self._loaded()
        return name in autouse


# --- §1 fixtures ------------------------------------------------------------------------------


def _fixture_dependencies(project: Project, change: FileChange, model: ModuleModel, history: _History) -> list[_Draft]:
    drafts = []
    for test in model.tests:
        fresh = [r for r in test.requests if r.line in change.added_lines and r.name not in test.parametrized]
        if not fresh:
            continue
        levels = project.scopes(change.path, test.cls)
        reported: set[tuple[str, int]] = set()
        for request in fresh:
            fixture = project.resolve(levels, request.name)
            if fixture is None and request.name in PYFAKEFS_FIXTURES and not history.requested(test, request.name):
                drafts.append(_pyfakefs_draft(change, request, test))
                continue
            if fixture is None or fixture.autouse or request.name in project.ini_usefixtures:
                continue  # an autouse fixture or the configuration's usefixtures: the test already had it
            provision = project.fixture_provision(levels, fixture)
            if provision is None or history.requested(test, request.name):
                continue
            where = (provision.source.path, provision.source.line)
            if where in reported:
                continue
            reported.add(where)
            drafts.append(_fixture_draft(change.path, request.line, _column(change, request.line, request.name), test.name, provision, request.how))
    return drafts


def _pyfakefs_draft(change: FileChange, request: Request, test: TestDef) -> _Draft:
    message = (
        f"`{test.name}` requests pyfakefs's `{request.name}` fixture, which replaces {NOUNS['filesystem']} with an "
        f"in-memory fake in {_kind(change.path)}; {ADVICE['filesystem']} instead."
    )
    return _Draft(change.path, request.line, _column(change, request.line, request.name), PYFAKEFS_RULE, "fixture", request.name, "filesystem", message, test.name)


def _new_autouse(project: Project, changes: Sequence[FileChange], gated: Sequence[FileChange], history: _History, starts: Mapping[str, bool]) -> list[_Draft]:
    """An autouse fixture added where its scope covers a gated file of the change."""
    drafts = []
    gated_paths = {c.path for c in gated}
    for change in changes:
        if change.head_text is None or not change.added_lines:
            continue
        folder = change.path.rsplit("/", 1)[0] + "/" if "/" in change.path else ""
        is_conftest = change.path.endswith("conftest.py")
        covers_gated = change.path in gated_paths or (is_conftest and any(p.startswith(folder) for p in gated_paths))
        if not covers_gated:
            continue
        # (a gated file's answer is known; it was given for the same or more added lines)
        if not (starts[change.path] if change.path in starts else may_start_arrival(change.head_text, change.added_lines)):
            continue
        model = project.model(change.path)
        if model is None:
            continue
        for fixture in model.all_fixtures():
            if not fixture.autouse or history.was_autouse(fixture.name):
                continue
            if not any(n in change.added_lines for n in range(fixture.line, fixture.def_line + 1)):
                continue
            levels = project.scopes(change.path, fixture.cls)
            provision = project.fixture_provision(levels, fixture)
            if provision is None:
                continue
            scope = f"every test under {folder or 'the repository root'}" if is_conftest else f"every test in {change.path}"
            drafts.append(_fixture_draft(change.path, fixture.line, _column(change, fixture.line, None), None, provision, "autouse", scope=scope))
    return drafts


def _fixture_draft(path: str, line: int, column: int, test: str | None, provision: Provision, how: str, scope: str | None = None) -> _Draft:
    category = _category(provision)
    fixture = provision.chain[0]
    who = f"`{test}`" if test else scope
    verb = {"parameter": "requests", "usefixtures": "uses (usefixtures)", "autouse": "now gets, through the new autouse fixture,"}[how]
    message = (
        f"{who} {verb} fixture `{fixture}`, which provides a mock ({_built(provision.source)}): "
        f"{_chain(test or 'autouse', provision)}. It replaces {NOUNS[category]} in {_kind(path)}; {ADVICE[category]} instead."
    )
    return _Draft(path, line, column, FIXTURE_RULE, "fixture", fixture, category, message, test,
                  (provision.source.path, provision.source.line), _steps(test or "autouse", path, line, provision))


# --- §2 helpers -------------------------------------------------------------------------------


def _helper_calls(project: Project, change: FileChange, model: ModuleModel, history: _History) -> list[_Draft]:
    drafts: list[_Draft] = []
    seen: set[tuple[str | None, str, int]] = set()
    if model.tree is None:
        return drafts
    owners = _owners(model)
    # Only statements that name an import or a helper of the module can call one.
    # (a call's root name is within its lines: subtrees whose lines name none are not entered)
    named = WordLines(change.head_text or "", {*model.imports, *model.helpers})
    statements = touched_statements(model.tree, change.added_lines, named=named)
    for node in (n for statement in statements for n in walk_holding(statement, named)):
        if not (isinstance(node, ast.Call) and node.lineno in change.added_lines):
            continue
        root = root_name(node.func)
        if root is None or (root not in model.imports and root not in model.helpers):
            continue
        helper = project.helper(model, node.func)
        if helper is None:
            continue
        test = owners.get(node.lineno)
        if test is None:
            continue  # a fixture or helper that calls it provides the mock to the tests that use it
        key = (test.qualified, helper.path, helper.line)
        if key in seen:
            continue
        provision = project.helper_provision(helper)
        if provision is None:
            continue
        callee = dotted(node.func) or helper.name
        if history.called(test, callee):
            continue
        seen.add(key)
        category = _category(provision)
        message = (
            f"`{callee}()` returns or installs a mock ({_built(provision.source)}): "
            f"{_chain(test.name, provision)}. It replaces {NOUNS[category]} in {_kind(change.path)}; "
            f"{ADVICE[category]} instead."
        )
        drafts.append(_Draft(change.path, node.lineno, node.col_offset + 1, HELPER_RULE, "helper", helper.name, category, message,
                             test.name, (provision.source.path, provision.source.line),
                             _steps(test.name, change.path, node.lineno, provision)))
    return drafts


def _owners(model: ModuleModel) -> dict[int, TestDef]:
    owners: dict[int, TestDef] = {}
    for test in model.tests:
        for line in range(test.line, test.end_line + 1):
            owners[line] = test
    return owners


# --- §3 hand-rolled patches -------------------------------------------------------------------


def _hand_rolled(project: Project, change: FileChange, model: ModuleModel) -> list[_Draft]:
    drafts = []
    for patch in hand_rolled_patches(model, project, lines=change.added_lines, text=change.head_text):
        if patch.line not in change.added_lines:
            continue
        if patch.real and not _mock_fixture(project, change.path, model, patch):
            continue
        what = {
            "attribute assignment": f"assigning `{patch.target}`",
            "setattr": f"`setattr` on `{patch.target}`",
            "sys.modules": f"replacing the module `{patch.target}` in `sys.modules`",
            "dependency_overrides": f"overriding the dependency `{patch.target}` with a fake",
        }[patch.construct]
        message = f"Hand-rolled patch: {what} replaces {NOUNS[patch.category]} in {_kind(change.path)}; {ADVICE[patch.category]} instead."
        drafts.append(_Draft(change.path, patch.line, patch.column, PATCH_RULE, patch.construct, patch.target, patch.category, message, patch.function))
    return drafts


def _mock_fixture(project: Project, path: str, model: ModuleModel, patch: Patch) -> bool:
    """Whether the fixture a 'real' value comes from provides a mock after all."""
    if patch.fixture is None:
        return False
    test = next((t for t in model.tests if t.name == patch.function), None)
    levels = project.scopes(path, test.cls if test else None)
    fixture = project.resolve(levels, patch.fixture)
    return fixture is not None and project.fixture_provision(levels, fixture) is not None


def _real_settings(project: Project, gated: Sequence[FileChange], findings: Sequence[Finding]) -> tuple[list[Finding], list[Finding]]:
    """`monkeypatch.setattr(settings, "REDIS_URL", redis_server.url)`: a setting pointed at a real
    test service, read from a fixture that provides no mock, is tolerated like an environment variable."""
    kept, tolerated = [], []
    by_path = {c.path: c for c in gated}
    for finding in findings:
        fixture = None
        if finding.construct in ("monkeypatch.setattr", "mocker.patch.object") and finding.path in by_path:
            fixture = _real_value_fixture(project, finding)
        if fixture is None:
            kept.append(finding)
        else:
            tolerated.append(replace(finding, reason=f"points the setting at a real test service (its value comes from the fixture `{fixture}`, which provides no mock)"))
    return kept, tolerated


def _real_value_fixture(project: Project, finding: Finding) -> str | None:
    model = project.model(finding.path)
    if model is None or model.tree is None:
        return None
    for function in (n for n in ast.walk(model.tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
        if not (function.lineno <= finding.line <= (function.end_lineno or function.lineno)):
            continue
        params = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}
        for call in (n for n in ast.walk(function) if isinstance(n, ast.Call) and n.lineno == finding.line):
            if not (isinstance(call.func, ast.Attribute) and call.func.attr in ("setattr", "object")):
                continue
            value = call.args[2] if len(call.args) == 3 else (call.args[1] if len(call.args) == 2 and isinstance(call.args[0], ast.Constant) else None)
            root = root_name(value) if value is not None else None
            if root is None or root not in params:
                continue
            test = next((t for t in model.tests if t.node is function), None)
            if test is not None and root in test.parametrized:
                continue
            levels = project.scopes(finding.path, test.cls if test else None)
            fixture = project.resolve(levels, root)
            if fixture is not None and project.fixture_provision(levels, fixture) is None:
                return root
    return None


# --- findings ---------------------------------------------------------------------------------


def _place(drafts: list[_Draft], project: Project, templates: Mapping[str, Template], result: Arrivals) -> None:
    by_path: dict[str, list[_Draft]] = {}
    for draft in drafts:
        by_path.setdefault(draft.path, []).append(draft)
    for path, placed in by_path.items():
        text = project.tree.text(path) or ""
        lines = source_lines(text)
        suppressions = find_suppressions(text, {n for d in placed for n in (d.line, d.line - 1)})
        for draft in sorted(placed, key=lambda d: (d.line, d.column)):
            finding = _finding(draft, lines, templates)
            suppression = suppression_for(draft.line, suppressions, lines)
            if suppression is None or not suppression.reason:
                result.findings.append(finding)  # a reasonless allow is reported by MG110 for mock sites
            else:
                result.suppressed.append(replace(finding, reason=suppression.reason))


def _finding(draft: _Draft, lines: list[str], templates: Mapping[str, Template]) -> Finding:
    template = templates.get(draft.category) or builtin_template(draft.category)
    try:
        snippet = adapt(template, test_name=draft.test, target=draft.target)
    except TemplateError:
        snippet = None
    return Finding(
        path=draft.path,
        line=draft.line,
        column=draft.column,
        end_line=draft.line,
        construct=draft.construct,
        target=draft.target,
        category=draft.category,
        rule=draft.rule,
        severity="error",
        message=draft.message,
        template=snippet,
        code=lines[draft.line - 1].strip() if 0 < draft.line <= len(lines) else "",
        chain=draft.chain,
    )


def _category(provision: Provision) -> str:
    source = provision.source
    category = infer_category(source.site) if source.site is not None else (source.category or "generic")
    if category == "generic":
        for name in provision.chain:
            category = category_of_words(words(name)) or "generic"
            if category != "generic":
                break
    return category


def _built(source: MockSource) -> str:
    what = f"{source.construct} of `{source.target}`" if source.target else source.construct
    return f"{what} at {source.path}:{source.line}"


def _steps(start: str, path: str, line: int, provision: Provision) -> tuple[Step, ...]:
    """The chain as linkable steps: where the test asks, each fixture or helper's definition, and
    the line that builds the mock."""
    steps = [Step(f"`{start}`", path, line)]
    steps += [Step(f"`{name}`", where, number) for name, (where, number) in zip(provision.chain, provision.links)]
    source = provision.source
    built = f"`{source.construct}` of `{source.target}`" if source.target else f"`{source.construct}`"
    steps.append(Step(built, source.path, source.line))
    return tuple(steps)


def _chain(start: str, provision: Provision) -> str:
    steps = [start, *(f"{name} ({path}:{line})" for name, (path, line) in zip(provision.chain, provision.links))]
    return " -> ".join(steps) + f" -> {provision.source.path}:{provision.source.line}"


def _kind(path: str) -> str:
    folders = path.lower().split("/")[:-1]
    return "an end-to-end test" if any("e2e" in folder for folder in folders) else "an integration test"


def _column(change: FileChange, line: int, word: str | None) -> int:
    lines = source_lines(change.head_text or "")
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if word and word in text:
        return text.index(word) + 1
    return len(text) - len(text.lstrip()) + 1


__all__ = ["Arrivals", "ArrivalsPass", "HeadTree", "MockSource", "find_arrivals", "hand_rolled_patches"]
