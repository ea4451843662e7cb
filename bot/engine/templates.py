"""Real-connection templates: for each mock category, a runnable pytest module that does the test
against the real thing, and the one paragraph that says why.

The built-in templates are the files `rules/templates/<category>.py` (shipped in the wheel as
`bot/_rules/templates`); a team may bring its own with `template_from_text`. `adapt` turns a
template into the snippet a review comment suggests: no docstring, its test renamed after the
user's test, and one comment line naming what it replaces. Pure apart from reading the packaged
files.
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
else:
    from .lazy import libcst as cst  # loaded on first use: the built-in templates never need it

import bot

from .diff import source_lines
from .model import CATEGORIES

FALLBACK_CATEGORY = "generic"


class TemplateError(ValueError):
    """A template's text is not a Python module, or a test name is not a Python name.
    `reason` is the message without the template's name, for a caller that places it itself."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


@dataclass(frozen=True)
class Template:
    category: str
    code: str  # the whole module, docstring included
    why: str  # the module docstring as one paragraph ("" when there is none)
    source: str  # "builtin:<category>" or the repository path of a team's template


def rules_dir() -> Path:
    """The packaged `rules` folder: `bot/_rules` in an installed wheel, the repository's `rules`
    in an editable install."""
    package = Path(bot.__file__).resolve().parent
    installed = package / "_rules"
    return installed if installed.is_dir() else package.parent / "rules"


def builtin_template(category: str) -> Template:
    """The built-in template of `category`; an unknown category gets the generic one."""
    known = category if category in CATEGORIES else FALLBACK_CATEGORY
    return _read_builtin(known)


@lru_cache(maxsize=None)
def _read_builtin(category: str) -> Template:
    text = (rules_dir() / "templates" / f"{category}.py").read_text(encoding="utf-8")
    # The shipped templates parse (tests/templates): their docstring is read with CPython's parser,
    # at C speed, so that every run does not parse twelve modules with libcst before any finding.
    docstring = ast.get_docstring(ast.parse(text), clean=True) or ""
    return Template(category=category, code=text, why=" ".join(docstring.split()), source=f"builtin:{category}")


def template_from_text(category: str, text: str, source: str) -> Template:
    """A template from a module's text (a team's own template file). Raises `TemplateError` when
    the text does not parse."""
    module = _parse(text, source)
    docstring = module.get_docstring(clean=True) or ""
    return Template(category=category, code=text, why=" ".join(docstring.split()), source=source)


def adapt(template: Template, *, test_name: str | None, target: str | None) -> str:
    """The snippet to paste: the template without its module docstring, its single test function
    renamed to `test_name` (when given; a dotted or `::` name keeps its last part), and one
    leading comment naming the mocked `target`."""
    code, original_name = _prepared(template.code, template.source)
    if original_name is not None:
        code = code.replace(_PLACEHOLDER, _pytest_name(test_name) if test_name else original_name)
    what = f"patching {' '.join(target.split())}" if target and target.strip() else "a mock"
    return f"# Instead of {what}: talk to the real thing.\n{code}"


# A name no template can hold: the single test is renamed to it once (scope-aware, with libcst),
# and each finding then only substitutes its own test name. Scope analysis per finding costs
# about 60 ms; a big change has hundreds of findings.
_PLACEHOLDER = "mockguard_placeholder_test_name_4f1c"


@lru_cache(maxsize=128)
def _prepared(code: str, source: str) -> tuple[str, str | None]:
    """The template's code ready for renaming, and its test's own name (None: nothing to rename)."""
    read = _prepared_by_lines(code)
    if read is not None:
        return read
    module = _without_docstring(_parse(code, source))
    tests = _test_functions(module)
    if len(tests) != 1:
        return module.code.lstrip(), None
    original = tests[0].name.value
    code = module.code
    if code.count(original) == 1:
        # Named nowhere but where it is defined (the built-in templates): renaming that one spot is
        # what the scope analysis would do, without its cost (about 30 ms a template).
        return code.replace(original, _PLACEHOLDER).lstrip(), original
    return _rename_global(module, original, _PLACEHOLDER).code.lstrip(), original


def _prepared_by_lines(code: str) -> tuple[str, str | None] | None:
    """`_prepared` read with CPython's parser and cut by lines, as libcst's tree gives it (the
    text before the docstring kept, the docstring's line gone, then the blank lines up to the
    first comment or statement), for the plain layout every built-in template has; None for
    anything else (libcst then reads it: importing libcst costs 0.15 s, which a change whose
    only mock is scanned in the scanner process, bot/engine/scanner.py, would otherwise pay)."""
    try:
        body = ast.parse(code).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = source_lines(code, keepends=True)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        docstring, following = body[0], body[1:]
        end = docstring.end_lineno or docstring.lineno
        if not following or docstring.col_offset != 0 or lines[end - 1][docstring.end_col_offset or 0 :].strip():
            return None  # (a docstring alone, indented or followed on its line by more: libcst reads it)
        first = following[0]
        start = min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", []))])
        between = lines[end : start - 1]
        while between and not between[0].strip():
            between.pop(0)
        if any(line.strip() and not line.lstrip().startswith("#") for line in between):
            return None
        code = "".join([*lines[: docstring.lineno - 1], *between, *lines[start - 1 :]])
        body = following
    tests = [s for s in body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name.startswith("test")]
    if len(tests) != 1:
        return code.lstrip(), None
    original = tests[0].name
    if code.count(original) != 1:
        return None  # named elsewhere too: libcst's scope analysis renames it
    return code.replace(original, _PLACEHOLDER).lstrip(), original


def _parse(text: str, source: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        reason = f"{error.message}, line {error.raw_line}"
        raise TemplateError(f"{source}: not a Python module ({reason})", reason) from None


def _without_docstring(module: cst.Module) -> cst.Module:
    if module.get_docstring(clean=False) is None:
        return module
    body = list(module.body[1:])
    if body:  # the blank lines that separated the docstring from the code go with it
        first = body[0]
        leading = list(first.leading_lines)
        while leading and leading[0].comment is None:
            leading.pop(0)
        body[0] = first.with_changes(leading_lines=leading)
    return module.with_changes(body=body)


def _test_functions(module: cst.Module) -> list[cst.FunctionDef]:
    return [
        statement
        for statement in module.body
        if isinstance(statement, cst.FunctionDef) and statement.name.value.startswith("test")
    ]


def _pytest_name(test_name: str) -> str:
    """`TestThreads.test_send` -> `test_send`; a name pytest would not collect gets `test_`."""
    name = re.split(r"\.|::", test_name.strip())[-1]
    if not name.isidentifier() or keyword.iskeyword(name):
        raise TemplateError(f"not a Python function name: {test_name!r}")
    return name if name.startswith("test") else f"test_{name}"


def _rename_global(module: cst.Module, old: str, new: str) -> cst.Module:
    """Rename a module-level name at its definition and at every reference (scope-aware, so a
    string or an unrelated local of the same name is left alone)."""
    from libcst.metadata import Assignment, MetadataWrapper, ScopeProvider

    wrapper = MetadataWrapper(module)
    scope = wrapper.resolve(ScopeProvider)[wrapper.module]
    assert scope is not None  # a module always has its global scope
    names: set[cst.CSTNode] = set()
    for assignment in scope[old]:
        if isinstance(assignment, Assignment) and isinstance(assignment.node, cst.FunctionDef):
            names.add(assignment.node.name)
        names.update(access.node for access in assignment.references)

    class Renamer(cst.CSTTransformer):  # (defined here: libcst is imported on first use)
        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
            return updated_node.with_changes(value=new) if original_node in names else updated_node

    return wrapper.visit(Renamer())
