"""Sites in a file that does not parse: a syntax error must not hide a new mock.

Each wanted line is cut down to the expression it holds (decorator, `with` items, an assignment,
an argument), closed if it runs on, and parsed on its own; the same detectors and name resolution
then run over it. Fixture names (`mocker`, `monkeypatch`) count as fixtures everywhere, since the
function's parameters may be out of reach.
"""

from __future__ import annotations

import dataclasses
import io
import re
import tokenize
from collections.abc import Iterator

import libcst as cst

from .diff import source_lines
from .names import Bindings, module_level_definitions
from .first_pass import Chunk, line_has_trigger
from .sites import FileScan, SiteVisitor, _visit, dedupe

_LEADING = re.compile(r"^(?:async\s+with\s+|with\s+|@|return\s+|await\s+|yield\s+|assert\s+|(?:el)?if\s+)")
_KEYWORD_ARGUMENT = re.compile(r"^[A-Za-z_]\w*\s*=(?!=)\s*")
_OPENERS = {"(": ")", "[": "]", "{": "}"}


def scan_tokens(text: str, wanted: frozenset[int] | set[int]) -> FileScan:
    lines = source_lines(text)
    bindings = Bindings()
    result = FileScan()
    for number, statement in _import_statements(lines):
        try:
            module = cst.parse_module(statement + "\n")
        except cst.ParserSyntaxError:
            continue
        _visit(module, Chunk(number - 1, number), bindings, result)
    for name in module_level_definitions(text):
        bindings.imports.pop(name, None)
    aliases = set(bindings.imports)
    for number in sorted(wanted):
        if not 0 < number <= len(lines) or not line_has_trigger(lines[number - 1], aliases):
            continue
        for column, fragment in _fragments(lines[number - 1]):
            try:
                module = cst.parse_module(fragment + "\n")
            except cst.ParserSyntaxError:
                continue
            visitor = SiteVisitor(module, number, bindings, fixtures_everywhere=True)
            visitor.run()
            result.sites.extend(dataclasses.replace(s, column=s.column + column) for s in visitor.sites)
            break
    return dedupe(result, wanted)


def _import_statements(lines: list[str]) -> Iterator[tuple[int, str]]:
    """(line number, text) of each import statement, joined over its continuation lines."""
    index = 0
    while index < len(lines):
        stripped = lines[index].strip()
        if stripped.startswith(("import ", "from ")):
            start, text = index, stripped
            while (text.count("(") > text.count(")") or text.endswith("\\")) and index + 1 < len(lines):
                index += 1
                text = text.rstrip("\\") + " " + lines[index].strip()
            yield start + 1, text
        index += 1


def _code_without_comment(line: str) -> str:
    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                return line[: token.start[1]]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return line


def _fragments(line: str) -> Iterator[tuple[int, str]]:
    """Candidate expressions of one line, most complete first, with the column they start at."""
    code = _code_without_comment(line).rstrip()
    body = code.lstrip()
    column = len(code) - len(body)
    match = _LEADING.match(body)
    if match:
        column += match.end()
        body = body[match.end() :]
    if body.endswith(":"):
        body = body[:-1].rstrip()
    candidates = [body]
    argument = _KEYWORD_ARGUMENT.match(body)
    if argument:
        candidates.append(body[argument.end() :])
    for candidate in candidates:
        offset = column + (len(body) - len(candidate))
        yield offset, _closed(candidate.rstrip(","))


def _closed(fragment: str) -> str:
    """Close the brackets a fragment leaves open (a call that runs on over the next lines)."""
    stack: list[str] = []
    quote: str | None = None
    for char in fragment:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in _OPENERS:
            stack.append(_OPENERS[char])
        elif stack and char == stack[-1]:
            stack.pop()
    return fragment.rstrip(",") + "".join(reversed(stack))
