"""The cheap, exact first pass: which parts of a file can hold a site at all.

Almost every integration test file mentions "mock" somewhere: in a docstring ("no mocks here"), a
comment ("we used to patch the session"), a string. A site is always written with a name in code
(the callee, a fixture, a module, a keyword such as `except`), never only inside a string or a
comment. So the trigger words of the rules are looked for in the code with strings and comments
blanked out, by one regular expression at C speed, keeping every line where it was: a file or a
statement whose code holds no trigger word is never handed to libcst.

A match starts only at a quote or a `#` (a string's prefix letters, `f`, `rb`, stay as harmless
code), so the expression runs at the speed of a plain scan. It errs on the side of keeping code: a string it cannot match (an unterminated one,
a nested f-string of Python 3.12) stays as code, which can only cost a parse, never drop a site.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import accumulate, compress, count

from .reduce import parsed_already
from .rules import TRIGGER_PREFIXES, TRIGGER_WORDS

# A string: three quotes up to the first three closing ones, or one quote up to its closing one on
# the same line (backslash escapes); a comment runs to the end of its line. Each string is written
# as an unrolled loop (a run of plain characters, then one special character and another run)
# rather than an alternation tried at every character: the same matches, a third faster
# (`tests/engine/test_first_pass.py` keeps the plain form, `PLAIN_STRINGS_AND_COMMENTS`, to compare).
_STRINGS_AND_COMMENTS = re.compile(
    r"""
      '''[^']*(?:'(?!'')[^']*)*'''|\"\"\"[^"]*(?:"(?!"")[^"]*)*\"\"\"
    | '[^'\\\n]*(?:\\.[^'\\\n]*)*'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"
    | \#[^\n]*
    """,
    re.VERBOSE,
)


def _blank(match: re.Match[str]) -> str:
    text = match.group()
    if text.startswith("#"):
        return ""
    # An empty string keeps the code's shape (`patch("x")` -> `patch("")`) and its line count.
    return '""' + "\n" * text.count("\n")


def code_only(text: str) -> str:
    """`text` with string literals emptied and comments removed; line numbers unchanged."""
    return _STRINGS_AND_COMMENTS.sub(_blank, text)


# --- trigger words, constants and chunks: what every family's first look reads ---------------

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CLOSERS = (")", "]", "}")
_CONTINUATIONS = ("else", "elif", "except", "finally")

# One search at C speed instead of a Python loop over every word: a whole word among the rules'
# trigger words, or a word starting with one of their prefixes. (The lookahead on their first
# letters only lets the regex engine skip the other positions without trying every word there:
# 2-3x faster on a whole file, the same matches.)
_TRIGGER = re.compile(
    r"(?<![A-Za-z0-9_])(?=[%s])(?:(?:%s)(?![A-Za-z0-9_])%s)"
    % (
        re.escape("".join(sorted({word[0] for word in (*TRIGGER_WORDS, *TRIGGER_PREFIXES)}))),
        "|".join(sorted(map(re.escape, TRIGGER_WORDS), key=len, reverse=True)),
        "".join(f"|{re.escape(prefix)}" for prefix in TRIGGER_PREFIXES),
    )
)


_STRING_CONSTANT = re.compile(
    r"""^([A-Za-z_]\w*)[ \t]*(?::[^=\n]+)?=[ \t]*[rRuU]?("[^"\\\n]*"|'[^'\\\n]*')[ \t]*(?:\#.*)?$""", re.MULTILINE
)


def module_constants(text: str) -> dict[str, str]:
    """Module-level names bound once to a one-line string: `TARGET = "app.db.engine"`."""
    return {name: value for name, (_, value) in constant_lines(text).items()}


def constant_lines(text: str) -> dict[str, tuple[int, str]]:
    """Each once-bound module-level string constant's line and value."""
    if "=" not in text:
        return {}
    seen: dict[str, list[tuple[int, str]]] = {}
    for match in _STRING_CONSTANT.finditer(text):
        seen.setdefault(match.group(1), []).append((text.count("\n", 0, match.start()) + 1, match.group(2)[1:-1]))
    return {name: values[0] for name, values in seen.items() if len(values) == 1}


def line_has_trigger(line: str, extra_words: frozenset[str] | set[str] = frozenset()) -> bool:
    if _TRIGGER.search(line):
        return True
    return bool(extra_words) and any(word in extra_words for word in _WORD.findall(line))


def code_has_trigger(code: str) -> bool:
    """`line_has_trigger` for a whole file's code, 2-3x faster: the code's distinct words (every
    character but a letter, digit or underscore turned into a space, at C speed) against the
    trigger words. Only for ASCII code: where a non-ASCII letter may touch a word, the regular
    expression's own view of a word's edge decides."""
    if not code.isascii():
        return _TRIGGER.search(code) is not None
    return _names_a_trigger(code_words(code), code)


def code_words(code: str) -> set[str]:
    """The distinct words of `code` (letters, digits, underscores; any other ASCII character
    parts them; a non-ASCII character, which code has only inside a name, is part of its word)."""
    return set(code.translate(_NOT_WORD_CHARS).split())


def _names_a_trigger(words: set[str], code: str) -> bool:
    if not words.isdisjoint(_TRIGGER_WORDS):
        return True
    # (a prefix is looked for in the code at C speed first: it is rarely there at all)
    return any(prefix in code for prefix in _TRIGGER_PREFIXES) and any(word.startswith(_TRIGGER_PREFIXES) for word in words)


_NOT_WORD_CHARS = {i: " " for i in range(128) if not (chr(i).isascii() and (chr(i).isalnum() or chr(i) == "_"))}
_TRIGGER_WORDS = frozenset(TRIGGER_WORDS)
_TRIGGER_PREFIXES = tuple(TRIGGER_PREFIXES)


def normalise_code(code: str) -> str:
    """Code with layout, comments, quote style and trailing commas removed: equal for a moved,
    re-indented or re-wrapped site."""
    try:
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(code.strip()).readline)
            if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return "".join(code.split())
    parts: list[str] = []
    for index, token in enumerate(tokens):
        text = token.string
        if token.type == tokenize.STRING:
            text = _canonical_string(text)
        elif text == "," and index + 1 < len(tokens) and tokens[index + 1].string in _CLOSERS:
            continue
        parts.append(text)
    return " ".join(parts)


def _canonical_string(text: str) -> str:
    import ast

    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return repr(value)


@dataclass
class Chunk:
    start: int  # 0-based index of the first line
    end: int  # exclusive


def split_chunks(lines: list[str], *, backslashes: bool = True) -> list[Chunk]:
    """Cut a file at lines that start a new top-level statement (by their look; parsing checks).

    Only a line that starts at column 0 with code can start a chunk: those are found at C speed
    (most of a file is bodies, blank lines and comments), and whether the code before one ends in
    a backslash is read back from it (`backslashes=False`: the caller knows no line holds one)."""
    starts = [0]
    in_decorators = False
    for index in compress(count(), map(_TOP_LEVEL_CODE, lines)):
        stripped = lines[index].rstrip("\r\n")
        if index > 0 and not in_decorators and not (backslashes and _continues(lines, index)) and _opens(stripped):
            if starts[-1] != index:
                starts.append(index)
        in_decorators = stripped.startswith("@")
    bounds = starts + [len(lines)]
    return [Chunk(bounds[i], bounds[i + 1]) for i in range(len(starts)) if bounds[i] < bounds[i + 1]]


_FEW_LINES = 8  # up to this many wanted lines, each one's chunk is found around it (`Layout.chunk_at`)
_TOP_LEVEL_CODE = re.compile(r"[^\s#]").match  # a line whose first character is code (not a space, not a comment)


def _starts_chunk(lines: list[str], index: int, backslashes: bool) -> bool:
    """Whether `split_chunks(lines)` starts a chunk at `index` (> 0), read from the lines above it
    only: a top-level line of code, not under a decorator (the top-level line of code before it),
    not continuing a backslash, not a closing bracket or `else`/`elif`/`except`/`finally`."""
    if not _TOP_LEVEL_CODE(lines[index]):
        return False
    previous = index - 1
    while previous >= 0 and not _TOP_LEVEL_CODE(lines[previous]):
        previous -= 1
    if previous >= 0 and lines[previous].startswith("@"):
        return False
    return not (backslashes and _continues(lines, index)) and _opens(lines[index].rstrip("\r\n"))


def _opens(stripped: str) -> bool:
    """Whether a top-level line of code can open a statement: not a closing bracket, nor the
    `else`/`elif`/`except`/`finally` of the statement above."""
    word = _WORD.match(stripped)
    return not stripped.startswith(_CLOSERS) and not (word and word.group() in _CONTINUATIONS)


def _continues(lines: list[str], index: int) -> bool:
    """Whether the last line of code before `index` (blank lines and comments aside) ends with a
    backslash. (Each look stops at the code line above: the looks of a file read each line once.)"""
    for back in range(index - 1, -1, -1):
        stripped = lines[back].rstrip("\r\n")
        if stripped.strip() and not stripped.lstrip().startswith("#"):
            return stripped.endswith("\\")
    return False


class Layout:
    """One version of a file as every family's first look reads it, each part computed once, on
    first use (`cached_property`): its lines, its code (strings and comments blanked, `code_only`),
    that code's words and its top-level statements (`split_chunks`, cut where the code, not a
    string's text, starts one)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def read_ahead(self) -> Layout:
        """Compute now what every first look reads (a caller waiting on git does it while git
        works): the code, its words, its lines of code. (`lines` waits for a look that quotes one,
        `chunks` for one that needs more than the chunks around a few lines.)"""
        self.names_a_mock  # noqa: B018  (each part keeps what it computes)
        self.code_lines  # noqa: B018
        return self

    def _has(self, part: str) -> bool:
        """Whether `part` is computed already."""
        return part in self.__dict__

    @cached_property
    def lines(self) -> list[str]:
        """The text's lines, line ends kept (`diff.source_lines`)."""
        from .diff import source_lines

        return source_lines(self.text, keepends=True)

    @cached_property
    def code(self) -> str:
        return code_only(self.text)

    @cached_property
    def code_lines(self) -> list[str]:
        """`lines` with strings and comments blanked: as many, each where it was."""
        from .diff import source_lines

        return source_lines(self.code, keepends=True)

    @cached_property
    def words(self) -> set[str]:
        """The code's distinct words (`code_words`): the names and keywords it holds."""
        return code_words(self.code)

    @cached_property
    def names_a_mock(self) -> bool:
        """Whether the code (strings and comments aside) holds a trigger word of the rules."""
        code = self.code
        return _names_a_trigger(self.words, code) if code.isascii() else code_has_trigger(code)

    @cached_property
    def chunks(self) -> list[Chunk]:
        code = self.code
        # (in code without comments or strings, a backslash can only continue a line)
        return split_chunks(self.code_lines, backslashes="\\" in code)

    @cached_property
    def _starts(self) -> list[int]:
        return [c.start for c in self.chunks]

    def segment(self, start: int, end: int) -> str:
        """Lines `start` to `end` - 1 (0-based) with their ends, as `"".join(lines[start:end])`;
        near the top (a marker, an import) without splitting the whole text."""
        if start >= end:
            return ""
        if not self._has("lines") and end <= 64:
            pieces = self.text.split("\n", end)
            joined = "\n".join(pieces[start:end])
            return joined + "\n" if len(pieces) > end else joined
        return "".join(self.lines[start:end])

    def chunk_at(self, number: int) -> Chunk | None:
        """The chunk holding line `number` (1-based), None when none does: `chunks[chunk_index(number)]`,
        found from the lines around it alone while the whole file is not cut yet (a marker near the
        top of each of a big change's files needs two or three lines looked at, not all)."""
        if self._has("chunks"):
            index = self.chunk_index(number)
            return self.chunks[index] if index >= 0 else None
        lines = self.code_lines
        if not 0 < number <= len(lines):
            return None
        backslashes = "\\" in self.code
        start = number - 1
        while start > 0 and not _starts_chunk(lines, start, backslashes):
            start -= 1
        end = number
        while end < len(lines) and not _starts_chunk(lines, end, backslashes):
            end += 1
        return Chunk(start, end)

    def chunks_holding(self, numbers: Iterable[int]) -> list[Chunk]:
        """The chunks that hold one of the lines `numbers` (1-based), in order: each found around its
        line while they are few and the file is not cut yet (`chunk_at`), else from the whole cut
        (a new file: every line wanted)."""
        count = len(self.code_lines)
        wanted = sorted({n for n in numbers if 0 < n <= count})
        if not self._has("chunks") and len(wanted) <= _FEW_LINES:
            found = {chunk.start: chunk for n in wanted if (chunk := self.chunk_at(n)) is not None}
        else:
            chunks = self.chunks
            found = {chunks[i].start: chunks[i] for n in wanted if (i := self.chunk_index(n)) >= 0}
        return [found[start] for start in sorted(found)]

    def chunk_index(self, number: int) -> int:
        """The index in `chunks` of the one holding line `number` (1-based); -1 when none does."""
        return bisect_right(self._starts, number - 1) - 1


# --- which added lines can start an MG2xx arrival ----------------------------------------------

# Statements that, at the top of a module, cannot request a fixture, call a helper from a test,
# define an autouse fixture or hand-roll a patch unless checked further below.
_PLAIN_TOP_LEVEL = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Pass)


def may_start_arrival(text: str, added: Iterable[int], layout: Layout | None = None) -> bool:
    """Whether an added line of `text` can hold an MG2xx dependency (bot/engine/arrivals): a
    fixture request (a parameter, a `usefixtures` mark), a helper call inside a test or fixture,
    an autouse fixture or a hand-rolled patch. Exact in one direction only (True when unsure):
    every added line in a top-level statement that is a plain import or an assignment to plain
    names, with no `setattr` call and no `usefixtures` in it, holds none of them; such are the
    markers, imports and constants that big mechanical changes add to every test file. Each such
    statement alone goes through CPython's parser (C speed), never the whole file."""
    wanted = sorted(set(added))
    if not wanted:
        return False
    tree = parsed_already(text)
    if tree is not None:  # the whole file's statements are at hand: no chunking, no parsing
        return _may_start_in(tree, wanted)
    layout = layout if layout is not None else Layout(text)
    return not all(_plain_statements(layout.segment(chunk.start, chunk.end)) for chunk in layout.chunks_holding(wanted))


def _may_start_in(tree: ast.Module, wanted: list[int]) -> bool:
    """`may_start_arrival` on the parsed file: an added line outside every statement (a blank
    line, a comment) holds nothing; one inside a statement that is not plain may."""
    for statement in tree.body:
        decorators = statement.decorator_list if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else []
        first = min([statement.lineno, *(d.lineno for d in decorators)])
        index = bisect_left(wanted, first)
        if index < len(wanted) and wanted[index] <= (statement.end_lineno or statement.lineno) and not _plain(statement):
            return True
    return False


@lru_cache(maxsize=256)  # (a big mechanical change adds the same marker or import to every file)
def _plain_statements(code: str) -> bool:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return all(_plain(statement) for statement in tree.body)


def _plain(statement: ast.stmt) -> bool:
    if not isinstance(statement, _PLAIN_TOP_LEVEL):
        return False
    if isinstance(statement, ast.Assign):
        targets: list[ast.expr] = list(statement.targets)
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        targets = [statement.target]
    else:
        targets = []
    if not all(_plain_target(t) for t in targets):
        return False
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and node.id in ("setattr", "usefixtures"):
            return False
        if isinstance(node, ast.Attribute) and node.attr == "usefixtures":
            return False
    return True


def _plain_target(target: ast.expr) -> bool:
    """A name, or a tuple or list of names (`x, *rest = ...`): nothing an attribute patch writes to."""
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_plain_target(t) for t in target.elts)
    if isinstance(target, ast.Starred):
        return _plain_target(target.value)
    return isinstance(target, ast.Name)


def touched_statements(tree: ast.Module, lines: Collection[int], *, named: WordLines | None = None) -> list[ast.stmt]:
    """The module's top-level statements (decorators included) that span one of `lines`: where
    every node on those lines is, so a walk for nodes on them need not enter the rest. With
    `named`, only those whose lines hold one of its words (a walk that looks for uses of those
    names finds none elsewhere)."""
    wanted = sorted(lines)
    found: list[ast.stmt] = []
    for statement in tree.body:
        decorators = statement.decorator_list if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else []
        first = min([statement.lineno, *(d.lineno for d in decorators)])
        last = statement.end_lineno or statement.lineno
        index = bisect_left(wanted, first)
        if not (index < len(wanted) and wanted[index] <= last):
            continue
        if named is not None and not named.any_between(first, last):
            continue
        found.append(statement)
    return found


# --- where some words are: a walk for nodes that must name one enters nothing else --------------


class WordLines:
    """Which lines of a text hold one of `words` (as a whole word, anywhere: code, strings or
    comments), answered for any range of lines in constant time. A walk that looks for nodes
    naming one of the words prunes every subtree whose lines hold none (`holds`): exact, since
    such a node's lines are inside its ancestors' lines."""

    def __init__(self, text: str, words: Collection[str]) -> None:
        marks = bytearray(text.count("\n") + 2)
        if words:
            ends = [match.start() for match in _NEWLINE.finditer(text)]  # line n ends at ends[n - 1]
            # One `str.find` loop per word (C speed; a regular expression alternating many words
            # tries each at every position), checked for word bounds.
            for word in words:
                at = text.find(word)
                while at >= 0:
                    after = at + len(word)
                    if (at == 0 or not _is_word_char(text[at - 1])) and (after == len(text) or not _is_word_char(text[after])):
                        marks[bisect_left(ends, at) + 1] = 1
                    at = text.find(word, after)
        self._counts = [0, *accumulate(marks)]  # _counts[n]: marked lines before line n

    def any_between(self, first: int, last: int) -> bool:
        last = min(last, len(self._counts) - 2)
        return first <= last and self._counts[last + 1] > self._counts[max(first, 0)]

    def holds(self, node: ast.AST) -> bool:
        """Whether the node's lines hold a word (True for a node without a position)."""
        first = getattr(node, "lineno", None)
        if first is None:
            return True
        return self.any_between(first, getattr(node, "end_lineno", None) or first)


_NEWLINE = re.compile("\n")


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def walk_holding(node: ast.AST, lines: WordLines) -> Iterator[ast.AST]:
    """`ast.walk(node)` (breadth first, the same order) without the subtrees whose lines hold
    none of the words."""
    if not lines.holds(node):
        return
    pending: deque[ast.AST] = deque([node])
    while pending:
        current = pending.popleft()
        pending.extend(child for child in ast.iter_child_nodes(current) if lines.holds(child))
        yield current
