"""Find the mock-usage sites on given lines of one Python file.

Only what can hold a site is parsed: the file is cut into its top-level statements ("chunks"),
and libcst parses the chunks that hold a wanted line with a mock-ish word on it, plus the chunks
that import from mocking modules (for name resolution). A cut that lands inside a multi-line string
shows up as a parse error and the chunk is merged with the next one, so a site is never dropped.
"""

from __future__ import annotations

import functools
import io
import re
from bisect import bisect_right
from itertools import compress, count
import tokenize
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import cast
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange

from .diff import source_lines
from .cst_read import positions, walk
from .first_pass import _CLOSERS, _WORD, Chunk, code_has_trigger, code_only, constant_lines, line_has_trigger, module_constants, normalise_code, split_chunks
from .detectors.base import Draft, UseContext, positional, string_value
from .detectors.mock_objects import MOCK_CLASSES as MOCK_CLASS_NAMES
from .detectors.monkeypatching import MONKEYPATCH
from .model import ImportSite, Site
from .reduce import FileStatements
from .names import ANNOTATION_TYPES, FIXTURE_TYPES, MOCK_MODULES, Bindings, is_mock_module, library_of, module_level_definitions, resolve
from .rules import DETECTORS, IMPORT_ROOTS, TRIGGER_PREFIXES, TRIGGER_WORDS

MOCK_CLASS_WORDS = {name.rsplit(".", 1)[-1] for name in MOCK_CLASS_NAMES}
# Statements read before any other: imports that can bind a mocking name, and module-level
# bindings of one (`mp = MonkeyPatch()`, `mock = pytest.importorskip("mock")`, a mock subclass).
_BINDING_STATEMENT = re.compile(
    r"^\s*(?:from|import)\s+\.*(?:%s)\b|^\s*from\s+\.|\bMonkeyPatch\(|\bimportorskip\(|^class\s+\w+\s*\(.*(?:%s)"
    % ("|".join(sorted(IMPORT_ROOTS)), "|".join(sorted(MOCK_CLASS_WORDS))),
    re.MULTILINE,
)
_BINDING_LITERALS = ("import", "from", "MonkeyPatch(", "importorskip(", "class")
_MONKEYPATCH_MAKERS = (MONKEYPATCH, f"{MONKEYPATCH}.context")
# The words of `_BINDING_STATEMENT` that are not trigger words: a statement holding one binds a name.
_BINDING_WORDS = frozenset({"MonkeyPatch", "importorskip", *MOCK_CLASS_WORDS})
_CONFIGURING_ATTRIBUTES = {"return_value", "side_effect", "spec", "__class__"}


def binds_names(statement: str, reexporting: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether a top-level statement may bind a mocking name (read before the rest)."""
    # (every form of `_BINDING_STATEMENT` holds one of these: a substring test at C speed first)
    if any(literal in statement for literal in _BINDING_LITERALS) and _BINDING_STATEMENT.search(statement):
        return True
    if not statement.startswith("from "):
        return False
    return line_has_trigger(statement) or statement.split()[1] in reexporting


def code_positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """Every node's position, as libcst's PositionProvider has them, without the metadata
    machinery of a MetadataWrapper visit (which costs twice the codegen pass itself)."""
    return positions(module)


# --- the visitor ---------------------------------------------------------------------------


_UNSEEN = object()
# Per visitor class and node type: the visitor's own visit_/leave_ method, or None for libcst's no-op stub.
_DISPATCH: dict[tuple[type, str], dict[type, Callable[..., object] | None]] = {}


def _dispatch(visitor: type, prefix: str) -> dict[type, Callable[..., object] | None]:
    return _DISPATCH.setdefault((visitor, prefix), {})


def _own_method(visitor: type, prefix: str, kind: type) -> Callable[..., object] | None:
    method = getattr(visitor, prefix + kind.__name__, None)
    return None if method is None or getattr(method, "_is_no_op", False) else cast("Callable[..., object]", method)


class SiteVisitor(cst.CSTVisitor):
    """Finds the sites of one parsed chunk.

    libcst looks a visitor's methods up by name for every node and for every attribute of every
    node (an f-string and a `getattr` each time, then a call to a no-op stub: a third of a
    visit). This visitor looks its methods up once per node type and calls only its own; it has
    no per-attribute methods (`visit_<Type>_<attribute>`), so it skips those hooks."""

    def __init__(
        self,
        module: cst.Module,
        first_line: int,
        bindings: Bindings,
        fixtures_everywhere: bool = False,
        constants: Mapping[str, str] | None = None,
        line_map: Sequence[int] | None = None,
    ):
        super().__init__()
        self.constants = constants or {}
        self.module = module
        self.offset = first_line - 1
        self.line_map = line_map  # a reduced chunk's lines -> the file's (bot/engine/reduce.py)
        self.bindings = bindings
        self.scopes: list[dict[str, str]] = [dict(FIXTURE_TYPES) if fixtures_everywhere else {}]
        self.tests: list[str] = []
        self.names: list[str] = []
        self.owners: list[cst.FunctionDef | cst.ClassDef] = []  # the classes and functions around a use
        self.chained: dict[int, str] = {}  # id of a call -> the method called on its result
        self.found: list[tuple[str, Draft, cst.CSTNode, tuple[cst.FunctionDef | cst.ClassDef, ...]]] = []
        self.found_imports: list[tuple[cst.CSTNode, str, tuple[str, ...]]] = []
        self.sites: list[Site] = []
        self.imports: list[ImportSite] = []
        self._visits = _dispatch(type(self), "visit_")
        self._leaves = _dispatch(type(self), "leave_")

    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        method = self._visits.get(kind, _UNSEEN)
        if method is _UNSEEN:
            method = self._visits[kind] = _own_method(type(self), "visit_", kind)
        return method is None or cast("Callable[..., object]", method)(self, node) is not False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        kind = type(original_node)
        method = self._leaves.get(kind, _UNSEEN)
        if method is _UNSEEN:
            method = self._leaves[kind] = _own_method(type(self), "leave_", kind)
        if method is not None:
            cast("Callable[..., object]", method)(self, original_node)

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        pass

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass

    # scopes ---------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        scope = dict(self.scopes[-1])
        kinds = self._parameter_kinds(node, scope)
        scope.update(kinds)  # "" shadows an import of the same name
        self.scopes.append(scope)
        self.tests.append(node.name.value)
        self.owners.append(node)
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if kinds.get(param.name.value):
                context = self._context("parameter")
                for detector in DETECTORS:
                    draft = detector.on_parameter(kinds[param.name.value], param, context)
                    if draft is not None:
                        self._record(detector.id, draft, param)
                        break

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scopes.pop()
        self.tests.pop()
        self.owners.pop()

    def _parameter_kinds(self, node: cst.FunctionDef, scope: dict[str, str]) -> dict[str, str]:
        kinds: dict[str, str] = {}
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            name = param.name.value
            kind = FIXTURE_TYPES.get(name, "")
            if param.annotation is not None:
                annotated = resolve(param.annotation.annotation, self.bindings.imports, scope)
                kind = ANNOTATION_TYPES.get(annotated or "", kind)
            kinds[name] = kind
        return kinds

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        scope = dict(self.scopes[-1])
        # A class derived from a mock class builds a mock each time it is instantiated.
        for base in node.bases:
            made = resolve(base.value, self.bindings.imports, scope)
            if made in MOCK_CLASS_NAMES:
                if len(self.scopes) == 1:
                    self.bindings.mock_classes[node.name.value] = made
                    self.bindings.imports[node.name.value] = made
                else:
                    self.scopes[-1][node.name.value] = made
                break
        scope.update(self._kept_on_self(node, scope))
        self.scopes.append(scope)
        self.owners.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scopes.pop()
        self.owners.pop()

    def _kept_on_self(self, node: cst.ClassDef, scope: dict[str, str]) -> dict[str, str]:
        """Mockers a class keeps on its instances (`self.mocker = mocker` in an autouse fixture,
        `self.mp = MonkeyPatch()` in setUp), as "self.NAME" entries of the class's scope."""
        kept: dict[str, str] = {}
        for method in node.body.body:
            if not isinstance(method, cst.FunctionDef):
                continue
            kinds = {**scope, **self._parameter_kinds(method, scope)}
            for assign in _assignments(method):
                value = assign.value
                if isinstance(value, cst.Name):
                    kind = kinds.get(value.value, "")
                elif isinstance(value, cst.Call):
                    kind = MONKEYPATCH if resolve(value.func, self.bindings.imports, kinds) in _MONKEYPATCH_MAKERS else ""
                else:
                    kind = ""
                if not kind:
                    continue
                for target in assign.targets:
                    owner = target.target
                    if isinstance(owner, cst.Attribute) and isinstance(owner.value, cst.Name) and owner.value.value in ("self", "cls"):
                        kept[f"self.{owner.attr.value}"] = kind
        return kept

    def visit_Import(self, node: cst.Import) -> None:
        self._record_imports(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._record_imports(node)

    def visit_Global(self, node: cst.Global) -> None:
        if len(self.scopes) > 1:
            self.scopes[-1].update({f"global {n.name.value}": "global" for n in node.names})

    def _record_imports(self, node: cst.Import | cst.ImportFrom) -> None:
        bound = self.bindings.bind_import(node)
        for scope in self.scopes:
            for binding in bound:
                scope.pop(binding.local, None)
        if not bound:
            return
        libraries = sorted({library_of(b.module) for b in bound})
        for library in libraries:
            names = tuple(b.local for b in bound if library_of(b.module) == library)
            self.found_imports.append((node, library, names))

    # names around a use -----------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        targets = [t.target for t in node.targets]
        self.names.extend(self._target_names(targets))
        if isinstance(node.value, (cst.Name, cst.Attribute)) and not self._configures_mock(targets):
            self._reference(node.value, "assign")
        self._shadow(targets)
        self._bind_local_mockers(targets, node.value)
        self._bind_skipped_import(node)

    def leave_Assign(self, original_node: cst.Assign) -> None:
        del self.names[len(self.names) - len(self._target_names([t.target for t in original_node.targets])) :]

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.names.extend(self._target_names([node.target]))

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:
        del self.names[len(self.names) - len(self._target_names([original_node.target])) :]

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.names.append(node.keyword.value)

    def leave_Arg(self, original_node: cst.Arg) -> None:
        if original_node.keyword is not None:
            self.names.pop()

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = node.key.evaluated_value if isinstance(node.key, cst.SimpleString) else None
        self.names.append(key if isinstance(key, str) else "")

    def leave_DictElement(self, original_node: cst.DictElement) -> None:
        self.names.pop()

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None and isinstance(node.asname.name, cst.Name):
            self._shadow([node.asname.name])
            self._bind_local_mockers([node.asname.name], node.item)
        if isinstance(node.item, (cst.Name, cst.Attribute)):
            self._reference(node.item, "with")

    def visit_Decorator(self, node: cst.Decorator) -> None:
        if isinstance(node.decorator, (cst.Name, cst.Attribute)):
            self._reference(node.decorator, "decorator")

    # uses -----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Call):
            self.chained[id(node.func.value)] = node.func.attr.value
        qualified = resolve(node.func, self.bindings.imports, self.scopes[-1]) or self._inline_mocker_method(node.func)
        if qualified is None:
            return
        context = self._context("call", self.chained.get(id(node)))
        for detector in DETECTORS:
            draft = detector.on_call(qualified, node, context)
            if draft is not None:
                self._record(detector.id, draft, node)
                return

    def _inline_mocker_method(self, func: cst.BaseExpression) -> str | None:
        """`pytest.MonkeyPatch().setattr(...)`: a method of a monkeypatch built on the spot, as if
        it had been bound to a name first."""
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call)):
            return None
        made = resolve(func.value.func, self.bindings.imports, self.scopes[-1])
        return f"{MONKEYPATCH}.{func.attr.value}" if made in _MONKEYPATCH_MAKERS else None

    def _reference(self, node: cst.BaseExpression, how: str) -> None:
        qualified = resolve(node, self.bindings.imports, self.scopes[-1])
        if qualified is None:
            return
        context = self._context(how)
        for detector in DETECTORS:
            draft = detector.on_reference(qualified, node, context)
            if draft is not None:
                self._record(detector.id, draft, node)
                return

    # helpers --------------------------------------------------------------------------
    def _context(self, how: str, chained: str | None = None) -> UseContext:
        names = tuple(n for n in reversed(self.names) if n)[:3]
        scope = self.scopes[-1]
        return UseContext(
            module=self.module,
            test_name=self.tests[-1] if self.tests else None,
            bound_names=names,
            how=how,
            chained=chained,
            constants=self.constants,
            qualify=lambda node: resolve(node, self.bindings.imports, scope),
        )

    def _record(self, rule: str, draft: Draft, node: cst.CSTNode) -> None:
        self.found.append((rule, draft, node, tuple(self.owners)))

    def _line(self, number: int) -> int:
        return self.line_map[number - 1] if self.line_map is not None else number + self.offset

    def run(self) -> None:
        """Walk the module, then place what was found (positions cost a pass over the code,
        so it is paid only when there is something to place)."""
        walk(self.module, self)
        if not self.found and not self.found_imports:
            return
        positions = code_positions(self.module)
        for rule, draft, node, owners in self.found:
            position = positions[node]
            code = self.module.code_for_node(node)
            functions = [o for o in owners if isinstance(o, cst.FunctionDef)]
            test_name = functions[-1].name.value if functions else None
            owner = positions[owners[-1]] if owners else None
            self.sites.append(
                Site(
                    rule=rule,
                    construct=draft.construct,
                    line=self._line(position.start.line),
                    column=position.start.column + 1,
                    end_line=self._line(position.end.line),
                    target=draft.target,
                    library=draft.library,
                    exact_key=normalise_code(code),
                    component_key=draft.component or normalise_code(code),
                    hints=draft.hints,
                    enclosing_test=test_name,
                    scope=".".join(o.name.value for o in owners) or None,
                    scope_lines=(self._line(owner.start.line), self._line(owner.end.line)) if owner else None,
                    bound=draft.hints[0] if draft.hints else None,
                )
            )
        for node, library, names in self.found_imports:
            line = self._line(positions[node].start.line)
            self.imports.append(ImportSite(line, library, names, normalise_code(self.module.code_for_node(node))))

    def count(self) -> int:
        """Walk the module and count what `run` would place, without placing it. `run` keeps
        one site per place and construct; two finds stand at one place only when one holds the
        other (`MonkeyPatch().setattr(...)`), so positions are worth their pass only when two
        finds of one construct nest."""
        walk(self.module, self)
        found = self.found
        by_construct: dict[str, list[cst.CSTNode]] = {}
        for _, draft, node, _ in found:
            by_construct.setdefault(draft.construct, []).append(node)
        if any(len(nodes) > 1 and _nested(nodes) for nodes in by_construct.values()):
            positions = code_positions(self.module)
            return len({(positions[node].start, draft.construct) for _, draft, node, _ in found})
        return len(found)

    @staticmethod
    def _target_names(targets: Iterable[cst.BaseExpression]) -> list[str]:
        names = []
        for target in targets:
            if isinstance(target, cst.Name):
                names.append(target.value)
            elif isinstance(target, cst.Attribute):
                names.append(target.attr.value)
        return names

    @staticmethod
    def _configures_mock(targets: Sequence[cst.BaseExpression]) -> bool:
        return any(isinstance(t, cst.Attribute) and t.attr.value in _CONFIGURING_ATTRIBUTES for t in targets)

    def _shadow(self, targets: Iterable[cst.BaseExpression]) -> None:
        """A name assigned in a function is that function's own from then on, not an import."""
        if len(self.scopes) > 1:
            for target in targets:
                if isinstance(target, cst.Name):
                    self.scopes[-1][target.value] = ""

    def _bind_local_mockers(self, targets: Sequence[cst.BaseExpression], value: cst.BaseExpression) -> None:
        """`mp = pytest.MonkeyPatch()` or `with MonkeyPatch.context() as mp:` makes `mp` a monkeypatch;
        at module level (or under `global`) for the whole file."""
        if not isinstance(value, cst.Call):
            return
        made = resolve(value.func, self.bindings.imports, self.scopes[-1])
        if made in _MONKEYPATCH_MAKERS:
            for target in targets:
                if isinstance(target, cst.Name):
                    self._bind_name(target.value, MONKEYPATCH)

    def _bind_name(self, name: str, qualified: str) -> None:
        if len(self.scopes) == 1 or f"global {name}" in self.scopes[-1]:
            self.bindings.imports[name] = qualified
            for scope in self.scopes:
                scope.pop(name, None)
        else:
            self.scopes[-1][name] = qualified

    def _bind_skipped_import(self, node: cst.Assign) -> None:
        """`mock = pytest.importorskip("mock")` imports the library as surely as `import mock`."""
        value = node.value
        if not isinstance(value, cst.Call) or resolve(value.func, self.bindings.imports, self.scopes[-1]) != "pytest.importorskip":
            return
        module = string_value(positional(value, 0))
        names = [t.target.value for t in node.targets if isinstance(t.target, cst.Name)]
        if not module or not is_mock_module(module) or not names:
            return
        for name in names:
            self._bind_name(name, module)
        self.found_imports.append((node, library_of(module), tuple(names)))


def _nested(nodes: Sequence[cst.CSTNode]) -> bool:
    """Whether one of the nodes is (or is inside) another: distinct nodes that do not nest cover
    disjoint code, so they start at distinct places."""
    ids = {id(node) for node in nodes}
    if len(ids) < len(nodes):
        return True
    for node in nodes:
        pending = list(node.children)
        while pending:
            inner = pending.pop()
            if id(inner) in ids:
                return True
            pending.extend(inner.children)
    return False


def _assignments(node: cst.CSTNode) -> list[cst.Assign]:
    collect = _CollectAssignments()
    walk(node, collect)
    return collect.found


class _CollectAssignments(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[cst.Assign] = []

    def visit_Assign(self, assign: cst.Assign) -> None:
        self.found.append(assign)


# --- scanning a file -----------------------------------------------------------------------


@dataclass
class FileScan:
    sites: list[Site] = field(default_factory=list)
    imports: list[ImportSite] = field(default_factory=list)
    syntax_unchecked: bool = False  # (set by `analyse._scan` when it leaves the head's check to its caller)


class ChunkParseError(Exception):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


def scan(
    text: str,
    wanted: frozenset[int] | set[int],
    reexports: Mapping[tuple[str, str], str] | None = None,
    *,
    reduce: bool = True,
    counts: ChunkCounts | None = None,
) -> FileScan:
    """Sites on (or spanning) `wanted` lines, and every mocking import of the file's parsed parts.
    `reexports`: what the project's own modules re-export, as `Bindings` takes it. `reduce`: leave
    out of libcst's parse the statements that cannot hold a site (bot/engine/reduce.py); the
    result is the same either way (False serves to compare). `counts`: where to keep each visited
    chunk's site count for `count_sites` of the same file or its other side.

    Raises ChunkParseError when the file does not parse (the caller falls back to tokens).
    """
    file = _read(text, reexports, reduce)
    result = FileScan()

    def visit(chunk: Chunk, bindings: Bindings, hot: set[str], phase: str) -> Chunk:
        key = counts.key(file, chunk, bindings, phase) if counts is not None else None
        parsed, module, line_map = _parse_reduced(file.lines, file.chunks, chunk, file.statements, hot)
        visitor = SiteVisitor(module, parsed.start + 1, bindings, constants=file.constants, line_map=line_map)
        visitor.run()
        result.sites.extend(visitor.sites)
        result.imports.extend(visitor.imports)
        if counts is not None and key is not None and parsed == chunk:
            counts.keep(key, len({(s.line, s.column, s.construct) for s in visitor.sites}), bindings)
        return parsed

    _walk(file, wanted, visit)
    return dedupe(result, wanted)


def count_sites(text: str, counts: ChunkCounts | None = None, *, reduce: bool = True) -> int:
    """`len(scan(text, every line).sites)`, the file's mock sites (the debt line), for less: a
    chunk visited before in the same context (`counts`: by a scan of this file, or a count of
    its other side, whose unchanged statements are the same text) is not parsed again, and a
    chunk parsed here is visited without placing its sites (no positions, no `Site`s) unless
    two of them may stand at one place. Raises ChunkParseError as `scan` does."""
    if not code_has_trigger(_code_of(text)):
        return 0  # no mock word in the code: no site (the first pass's look, before any other reading)
    file = _read(text, None, reduce)
    total = 0
    regions: list[Chunk] = []

    def visit(chunk: Chunk, bindings: Bindings, hot: set[str], phase: str) -> Chunk:
        nonlocal total
        key = counts.key(file, chunk, bindings, phase) if counts is not None else None
        known = counts.known(key, bindings) if counts is not None and key is not None else None
        if known is not None:
            total += known
            regions.append(chunk)
            return chunk
        parsed, module, line_map = _parse_reduced(file.lines, file.chunks, chunk, file.statements, hot)
        found = SiteVisitor(module, parsed.start + 1, bindings, constants=file.constants, line_map=line_map).count()
        if counts is not None and key is not None and parsed == chunk:
            counts.keep(key, found, bindings)
        total += found
        regions.append(parsed)
        return parsed

    _walk(file, None, visit)
    # A chunk widened over another (a cut inside a string) visits some code twice: `scan`'s
    # dedupe, by position, is what counts it once.
    regions.sort(key=lambda c: c.start)
    if any(later.start < earlier.end for earlier, later in zip(regions, regions[1:])):
        return len(scan(text, frozenset(range(1, len(file.lines) + 1)), reduce=reduce).sites)
    return total


@functools.lru_cache(maxsize=4)
def _code_of(text: str) -> str:
    """`code_only(text)`, kept for the few reads of a file's side that follow each other."""
    return code_only(text)


@functools.lru_cache(maxsize=4)
def _read_cached(text: str, reexports: frozenset[tuple[tuple[str, str], str]], reduce: bool) -> _File:
    return _File(text, dict(reexports), reduce)


def _read(text: str, reexports: Mapping[tuple[str, str], str] | None, reduce: bool) -> _File:
    """A file's side read for a walk. The change's scan of a side and its whole-file count follow
    each other: the last few are kept (read-only; the walk's bindings are its own)."""
    return _read_cached(text, frozenset((reexports or {}).items()), reduce)


class _File:
    """One side of a file as the walk over its chunks reads it."""

    def __init__(self, text: str, reexports: Mapping[tuple[str, str], str] | None, reduce: bool) -> None:
        self.lines = source_lines(text, keepends=True)
        self.code_text = _code_of(text)
        self.code = source_lines(self.code_text, keepends=True)  # the same lines, strings and comments blanked
        self.chunks = split_chunks(self.lines)
        self.reexports: Mapping[tuple[str, str], str] = reexports or {}
        # `from tests.compat import p` binds a mocking name when the module re-exports one as `p`.
        reexporting = {written for (written, _), qualified in self.reexports.items() if is_mock_module(qualified)}
        self.import_chunks = [c for c in self.chunks if binds_names("".join(self.lines[c.start : c.end]), reexporting)]
        self.constants = module_constants(text)
        self.statements = FileStatements(text, self.lines, self.code) if reduce else None  # CPython's ast, parsed when first needed
        self.text = text
        self._context: tuple[frozenset[tuple[tuple[str, str], str]], frozenset[tuple[str, str]]] | None = None

    def context(self) -> tuple[frozenset[tuple[tuple[str, str], str]], frozenset[tuple[str, str]]]:
        """What every chunk's visit reads of the whole file besides the bindings."""
        if self._context is None:
            self._context = (frozenset(self.reexports.items()), frozenset(self.constants.items()))
        return self._context


Visit = Callable[[Chunk, Bindings, set[str], str], Chunk]


def _walk(file: _File, wanted: frozenset[int] | set[int] | None, visit: Visit) -> None:
    """The chunks a scan visits, in its order: those that bind names first (import phase), then
    those holding a wanted line (None: every line) with a mock word or alias in their code.
    `visit` parses and visits one and returns the lines it parsed (the chunk, or wider)."""
    lines, code, chunks = file.lines, file.code, file.chunks
    bindings = Bindings(reexports=file.reexports)
    parsed: list[Chunk] = []
    for chunk in file.import_chunks:
        parsed.append(visit(chunk, bindings, _hot_names(bindings), "import"))

    for name in module_level_definitions(file.text):
        bindings.imports.pop(name, None)
    bindings.imports.update(bindings.mock_classes)
    aliases = {local for local, qualified in bindings.imports.items() if is_mock_module(qualified)}
    # A chunk that holds a wanted line is parsed when anything in it looks like a mock: an edit
    # inside a multi-line call (its target, on a line of its own) has no mock word on that line.
    if wanted is None:
        touched: Iterable[Chunk] = chunks
    else:
        starts = [c.start for c in chunks]
        indexes = {bisect_right(starts, number - 1) - 1 for number in wanted if 0 < number <= len(lines)}
        touched = [chunks[i] for i in sorted(indexes) if i >= 0]
    for chunk in touched:
        if any(p.start <= chunk.start < p.end for p in parsed):
            continue
        if not line_has_trigger("".join(code[chunk.start : chunk.end]), aliases):
            continue
        parsed.append(visit(chunk, bindings, _hot_names(bindings) | aliases, "use"))


ChunkKey = tuple[object, ...]


class ChunkCounts:
    """The number of sites each visited chunk of one file held, kept for a later count of the
    file or of its other side (the debt line counts a file's base and head whole; their
    unchanged statements are the same text).

    A chunk's visit reads its own text (its first pass too: `reduce.FileStatements.statements`
    reads the chunk alone), the bindings in force when it is reached (the file's imports so
    far, its mock classes: the visit may add to both), the file's module constants and
    re-exports, the phase of the walk (which names make a statement worth parsing) and whether
    the first pass is on. The key holds all of them, so a chunk found again
    under the same key gives the same count and leaves the same bindings; a context that
    differs (an import added or removed above, a constant edited) is a miss, and the chunk is
    parsed again. Only chunks parsed as they were cut are kept (a widened one read its
    neighbours too). Per file pair: it holds the texts of the chunks visited, no trees."""

    def __init__(self) -> None:
        self._seen: dict[ChunkKey, tuple[int, dict[str, str], dict[str, str]]] = {}

    def key(self, file: _File, chunk: Chunk, bindings: Bindings, phase: str) -> ChunkKey:
        return (
            phase,
            file.statements is None,
            "".join(file.lines[chunk.start : chunk.end]),
            frozenset(bindings.imports.items()),
            frozenset(bindings.mock_classes.items()),
            file.context(),
        )

    def keep(self, key: ChunkKey, found: int, after: Bindings) -> None:
        self._seen[key] = (found, dict(after.imports), dict(after.mock_classes))

    def known(self, key: ChunkKey, bindings: Bindings) -> int | None:
        """The chunk's count, with `bindings` brought to where its visit left them; None if unseen."""
        seen = self._seen.get(key)
        if seen is None:
            return None
        found, imports, mock_classes = seen
        bindings.imports.clear()
        bindings.imports.update(imports)
        bindings.mock_classes.clear()
        bindings.mock_classes.update(mock_classes)
        return found


def touches(site: Site, lines: frozenset[int] | set[int]) -> bool:
    """Whether the change touches the site: its first line, or a line inside a multi-line call."""
    return any(n in lines for n in range(site.line, site.end_line + 1))


def dedupe(result: FileScan, wanted: frozenset[int] | set[int]) -> FileScan:
    """Keep each wanted site once (a widened chunk can visit a part twice), in line order."""
    sites = {(s.line, s.column, s.construct): s for s in result.sites if touches(s, wanted)}
    imports = {(i.line, i.library): i for i in result.imports}
    result.sites = sorted(sites.values(), key=lambda s: (s.line, s.column))
    result.imports = sorted(imports.values(), key=lambda i: i.line)
    return result


def _parse_chunk(lines: list[str], chunks: list[Chunk], chunk: Chunk) -> tuple[Chunk, cst.Module]:
    """Parse a chunk; on a parse error widen it to the next cut, then to the whole file."""
    start, end = chunk.start, chunk.end
    following = [c.end for c in chunks if c.end > end][:3]
    for attempt_end in [end, *following, len(lines)]:
        try:
            return Chunk(start, attempt_end), cst.parse_module("".join(lines[start:attempt_end]))
        except cst.ParserSyntaxError:
            continue
    text = "".join(lines)
    try:
        return Chunk(0, len(lines)), cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        message, line = error.message, error.raw_line
    # CPython's own parser names the cause where a person looks for it ("'(' was never closed").
    try:
        compile(text, "<test file>", "exec", dont_inherit=True)
    except SyntaxError as syntax_error:
        message, line = syntax_error.msg, syntax_error.lineno or line
    except (ValueError, RecursionError, MemoryError):
        pass
    raise ChunkParseError(message, line)


def _hot_names(bindings: Bindings) -> set[str]:
    """Words that make a statement worth parsing besides the trigger words: every name the file's
    imports bound so far (the visitor resolves through them), and the binding statements' own."""
    return {*bindings.imports, *bindings.mock_classes, *_BINDING_WORDS}


def _parse_reduced(
    lines: list[str], chunks: list[Chunk], chunk: Chunk, statements: FileStatements | None, hot: set[str]
) -> tuple[Chunk, cst.Module, tuple[int, ...] | None]:
    """The chunk parsed by libcst with the statements that cannot hold a site left out (its line
    map says where its lines are in the file); the whole chunk when that cannot be done."""
    reduced = statements.reduce(chunk.start, chunk.end, line_has_trigger, hot) if statements is not None else None
    if reduced is not None:
        try:
            return chunk, cst.parse_module(reduced.text), reduced.line_map
        except cst.ParserSyntaxError:
            pass
    chunk, module = _parse_chunk(lines, chunks, chunk)
    return chunk, module, None


def _visit(
    module: cst.Module,
    chunk: Chunk,
    bindings: Bindings,
    result: FileScan,
    constants: Mapping[str, str] | None = None,
    line_map: Sequence[int] | None = None,
) -> None:
    visitor = SiteVisitor(module, chunk.start + 1, bindings, constants=constants, line_map=line_map)
    visitor.run()
    result.sites.extend(visitor.sites)
    result.imports.extend(visitor.imports)
