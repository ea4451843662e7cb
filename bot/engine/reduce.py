"""The statement-level first pass: hand libcst only the statements that can hold a site.

`sites.scan` already skips every top-level statement whose code has no trigger word. A test
module full of mocks still has most of its lines in statements that mock nothing (requests,
assertions, set-up), and parsing them with libcst is most of the cost of a scan. This module cuts
them out before libcst sees the chunk, keeping what `SiteVisitor` reads:

- CPython's `ast` (C speed) parses the chunk's lines alone and gives every statement's lines
  (`FileStatements.statements`). Lines that do not parse alone (a syntax error, syntax newer
  than the running interpreter, a cut inside a string or a bracket) are not reduced: the caller
  parses the chunk whole, as before.
- A statement is kept when its code (strings and comments blanked, `first_pass.code_only`) holds a
  *hot word*: a trigger word of the rules (`line_has_trigger`, derived from `rules.py`, so rules
  added later keep this exact), a word of the binding statements (`MonkeyPatch(`,
  `importorskip(`, mock classes), a name the file's imports have bound so far, or a name bound in
  this chunk by a hot statement (closed under that: `mp = MonkeyPatch()` makes `mp` hot,
  `self.m = mp` makes `m` hot, a parameter annotated with a hot type makes the parameter hot).
  Every site is written with such a word (the invariant the chunk filter already relies on), and
  every binding the visitor follows (local mockers, `self.NAME` mockers, shadowing assignments,
  subclasses of mock classes, imports, `global`) either holds one or is kept always.
- Imports, `global` and `nonlocal` are always kept; compound statements (functions, classes,
  `with`, `if`, loops, `try`, `match`) keep their header and are reduced inside; a statement that
  shares a line with another (`a = 1; b = 2`, `if x: y()`) is kept.
- A run of dropped statements becomes one `pass` on the run's last line, so blocks stay valid and
  functions end where they ended. The reduced text comes with a map from its lines to the
  file's, through which the visitor places its sites: the kept lines are the file's own, so
  columns and the code of each site are unchanged.

`bench/diff_engines.py` compares the sites found with and without this pass, field by field.
"""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .diff import source_lines

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NO_WORDS: set[str] = set()
# Statements that are always kept: they bind names file-wide or scope-wide for the visitor.
_ALWAYS = (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal)
_COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match)
_TRY_STAR: tuple[type[ast.stmt], ...] = (getattr(ast, "TryStar"),) if hasattr(ast, "TryStar") else ()
# Whether code holds a trigger word or one of the extra words (`first_pass.line_has_trigger`).
HotTest = Callable[[str, set[str]], bool]
# Smaller chunks are parsed whole: reducing them saves less than it costs.
MIN_LINES = 12


@dataclass(frozen=True)
class Reduced:
    text: str
    line_map: tuple[int, ...]  # reduced line (index + 1) -> the file's line number


class FileStatements:
    """One file's statements by `ast`, each chunk's parsed once (alone), to reduce it."""

    def __init__(self, text: str, lines: Sequence[str], code: Sequence[str]) -> None:
        self.text = text
        self.lines = lines  # with line ends
        self.code = code  # the same lines, strings and comments blanked
        self._parsed: dict[tuple[int, int], list[ast.stmt] | None] = {}

    def reduce(self, start: int, end: int, has_trigger: HotTest, extra: Iterable[str]) -> Reduced | None:
        """The chunk of lines [start, end) (0-based) with its cold statements dropped, or None
        when it cannot be reduced (its lines do not parse alone, nothing to drop)."""
        if end - start < MIN_LINES:
            return None
        top = self.statements(start, end)
        if top is None:
            return None  # a cut inside a string or a bracket (a chunk merged on a parse error), newer syntax
        # Every name an import of the chunk binds is hot: the visitor binds it on the way (a
        # function-level `from tests.compat import m` re-exporting `patch` makes `m(...)` a site).
        imported = {name for node in _all_statements(top) if isinstance(node, (ast.Import, ast.ImportFrom)) for name in _bound_names(node)}
        from .first_pass import code_only  # (first_pass reads this module's trees: imported on use)

        code = source_lines(code_only("".join(self.lines[start:end])), keepends=True)
        reducer = _Reducer(self, code, has_trigger, set(extra) | imported, start, end)
        reducer.close_over(top)
        dropped: list[tuple[int, int, str]] = []  # (first line, last line, indentation), 1-based
        reducer.block(top, dropped)
        if not dropped:
            return None
        return _assemble(self.lines, start, end, dropped)

    def statements(self, start: int, end: int) -> list[ast.stmt] | None:
        """The statements of lines [start, end) (0-based) parsed alone, numbered as in the file;
        None when they do not parse alone.

        The lines alone, not the file: what is reduced is what libcst would parse (the chunk
        alone), its code blanked as the chunk's own (`code_only`), so a chunk that a string or a
        bracket of the file cuts is reduced as the code libcst reads in it, or not at all. And
        only the chunks worth parsing go through `ast`, not the whole file (a third of a file's
        `ast` parse, for the scans and counts of a change's files)."""
        key = (start, end)
        if key not in self._parsed:
            try:
                top: list[ast.stmt] | None = ast.parse("\n" * start + "".join(self.lines[start:end])).body or None
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                top = None
            self._parsed[key] = top
        return self._parsed[key]


class _Reducer:
    def __init__(self, statements: FileStatements, code: Sequence[str], has_trigger: HotTest, extra: set[str], start: int, end: int) -> None:
        self.s = statements
        self.has_trigger = has_trigger
        self.extra = extra
        self.start, self.end = start, end  # the chunk's lines, 0-based, end excluded
        self._triggers = [has_trigger(line, _NO_WORDS) for line in code]  # `code`: the chunk's lines, blanked
        self._words = [frozenset(_WORD.findall(line)) for line in code]
        self._count()

    def _count(self) -> None:
        """Hot lines counted from the chunk's start: a statement is hot when its lines hold one
        (a word never spans lines), found in constant time however deep statements nest."""
        counts = [0]
        for trigger, words in zip(self._triggers, self._words):
            counts.append(counts[-1] + (trigger or not words.isdisjoint(self.extra)))
        self._counts = counts

    def _segment(self, node: ast.arg | ast.withitem) -> str:
        """The source of a parameter (with its annotation) or of a `with` item (`x() as y`)."""
        if isinstance(node, ast.withitem):
            start: ast.expr | ast.arg = node.context_expr
            end: ast.expr | ast.arg = node.optional_vars if node.optional_vars is not None else node.context_expr
        else:
            start = end = node
        first: int = start.lineno
        last: int = end.end_lineno or end.lineno
        begin: int = start.col_offset
        stop: int | None = end.end_col_offset
        if first == last:
            return self.s.lines[first - 1].encode()[begin:stop].decode(errors="replace")
        text = [self.s.lines[first - 1].encode()[begin:].decode(errors="replace")]
        text += self.s.lines[first : last - 1]
        text.append(self.s.lines[last - 1].encode()[:stop].decode(errors="replace"))
        return "".join(text)

    def hot(self, first: int, last: int) -> bool:
        """Whether lines first..last (1-based, inside the chunk) hold a hot word."""
        return self._counts[last - self.start] > self._counts[first - 1 - self.start]

    # names bound by hot statements, to a fixed point ---------------------------------------------
    def close_over(self, top: list[ast.stmt]) -> None:
        binders: list[ast.AST] = []
        for statement in _all_statements(top):
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = statement.args
                binders += [*args.posonlyargs, *args.args, *args.kwonlyargs, *(a for a in (args.vararg, args.kwarg) if a is not None)]
            elif isinstance(statement, (ast.With, ast.AsyncWith)):
                binders += statement.items
            else:
                binders.append(statement)
        named = [(node, names) for node in binders if (names := _bound_names(node))]  # (once, not once a round)
        while True:
            grown = False
            for node, names in named:
                if names <= self.extra:
                    continue
                if isinstance(node, (ast.arg, ast.withitem)):
                    # its own text, not its lines: `def t(self, mocker, client)` keeps `client` cold
                    hot = self.has_trigger(self._segment(node), self.extra)
                else:
                    hot = self.hot(*_binding_lines(node))
                if hot:
                    self.extra |= names
                    grown = True
            if not grown:
                return
            self._count()

    # the reduction ---------------------------------------------------------------------------
    def block(self, body: list[ast.stmt], dropped: list[tuple[int, int, str]]) -> None:
        run: list[ast.stmt] = []
        for index, statement in enumerate(body):
            if self._droppable(body, index):
                run.append(statement)
                continue
            self._flush(run, dropped)
            run = []
            if isinstance(statement, _COMPOUND + _TRY_STAR):
                for inner in _blocks(statement):
                    self.block(inner, dropped)
        self._flush(run, dropped)

    def _droppable(self, body: list[ast.stmt], index: int) -> bool:
        statement = body[index]
        if isinstance(statement, _ALWAYS):
            return False
        first, last = _first_line(statement), statement.end_lineno or statement.lineno
        if self.hot(first, last):
            return False
        # It must own its lines: nothing before it on its first line, nothing after on its last.
        line = self.s.lines[first - 1]
        indent = len(line) - len(line.lstrip(" \t\f"))
        if indent != _first_col(statement):
            return False
        if index + 1 < len(body) and _first_line(body[index + 1]) <= last:
            return False
        return True

    def _flush(self, run: list[ast.stmt], dropped: list[tuple[int, int, str]]) -> None:
        if not run:
            return
        first = _first_line(run[0])
        last = run[-1].end_lineno or run[-1].lineno
        line = self.s.lines[first - 1]
        dropped.append((first, last, line[: len(line) - len(line.lstrip(" \t\f"))]))


def _assemble(lines: Sequence[str], start: int, end: int, dropped: list[tuple[int, int, str]]) -> Reduced:
    out: list[str] = []
    line_map: list[int] = []
    runs = sorted(dropped)
    position = start + 1  # 1-based
    for first, last, indent in runs:
        for number in range(position, first):
            out.append(lines[number - 1])
            line_map.append(number)
        newline = "\r\n" if lines[last - 1].endswith("\r\n") else "\n"
        out.append(f"{indent}pass{newline}")
        line_map.append(last)
        position = last + 1
    for number in range(position, end + 1):
        out.append(lines[number - 1])
        line_map.append(number)
    return Reduced("".join(out), tuple(line_map))


def _decorators(statement: ast.stmt) -> list[ast.expr]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return statement.decorator_list
    return []


def _first_line(statement: ast.stmt) -> int:
    """The statement's first line, its decorators included."""
    return min([statement.lineno, *(d.lineno for d in _decorators(statement))])


def _first_col(statement: ast.stmt) -> int:
    decorators = _decorators(statement)
    if decorators:
        first = min(decorators, key=lambda d: (d.lineno, d.col_offset))
        return first.col_offset - 1  # the `@` before the expression
    return statement.col_offset


def _all_statements(top: list[ast.stmt]) -> list[ast.stmt]:
    """Every statement in `top` and the blocks inside them (expressions are not entered: no
    statement is written inside one)."""
    found: list[ast.stmt] = []
    pending = list(reversed(top))
    while pending:
        statement = pending.pop()
        found.append(statement)
        for block in reversed(_blocks(statement)):
            pending.extend(reversed(block))
    return found


def _blocks(statement: ast.stmt) -> list[list[ast.stmt]]:
    blocks: list[list[ast.stmt]] = []
    for name in ("body", "orelse", "finalbody"):
        value = getattr(statement, name, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            blocks.append(value)
    for handler in getattr(statement, "handlers", ()) or ():
        blocks.append(handler.body)
    for case in getattr(statement, "cases", ()) or ():
        blocks.append(case.body)
    return blocks


def _binding_lines(node: ast.AST) -> tuple[int, int]:
    if isinstance(node, ast.withitem):
        last = node.optional_vars if node.optional_vars is not None else node.context_expr
        return node.context_expr.lineno, last.end_lineno or last.lineno
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return _first_line(node), max(_first_line(node), node.body[0].lineno - 1) if node.body else node.lineno
    if isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith)):
        return node.lineno, node.end_lineno or node.lineno
    lineno = getattr(node, "lineno", 1)
    return lineno, getattr(node, "end_lineno", None) or lineno


def _bound_names(node: ast.AST) -> set[str]:
    """The names a binding makes, as words the visitor may look them up by."""
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
        targets = [node.target]
    elif isinstance(node, ast.withitem):
        targets = [node.optional_vars] if node.optional_vars is not None else []
    elif isinstance(node, ast.arg):
        return {node.arg} - {"self", "cls"}
    elif isinstance(node, ast.ClassDef):
        return {node.name}
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names if alias.name != "*"}
    names: set[str] = set()
    for target in targets:
        for inner in ast.walk(target):
            if isinstance(inner, ast.Name):
                names.add(inner.id)
            elif isinstance(inner, ast.Attribute):
                names.add(inner.attr)
    return names - {"self", "cls"}


_RECENT: dict[str, ast.Module | None] = {}  # text -> its tree, the last two texts asked for
_KEEP = 2
_RECENT_LOCK = threading.Lock()  # (the App runs analyses in threads)


def parse_cached(text: str) -> ast.Module | None:
    """A file's ast, or None when CPython cannot parse it. A file's two sides are read several
    times in a row (the change's lines, the whole file for the debt count, the syntax check, the
    MG2xx and MG3xx passes), so the last two asked for are kept (read-only: nothing changes a
    tree; two bound the memory held)."""
    with _RECENT_LOCK:
        if text in _RECENT:
            tree = _RECENT.pop(text)
            _RECENT[text] = tree  # the most recent now
            return tree
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    with _RECENT_LOCK:
        while len(_RECENT) >= _KEEP:
            del _RECENT[next(iter(_RECENT))]  # the least recent
        _RECENT[text] = tree
    return tree


def parsed_already(text: str) -> ast.Module | None:
    """The text's tree when `parse_cached` holds it; None when it is not held or does not parse
    (a cheap look for callers that would rather not parse a whole file)."""
    return _RECENT.get(text)
