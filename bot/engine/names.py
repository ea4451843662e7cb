"""A light import-tracking pass over libcst trees: what a name in a test file really refers to.

libcst's full QualifiedNameProvider costs about 0.2 s for a file of a few hundred lines; mockguard
only needs to know which names come from mocking libraries, so it records import bindings and the
pytest fixtures a function receives, and resolves dotted expressions against them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

if TYPE_CHECKING:
    import libcst as cst
else:
    from .lazy import libcst as cst  # loaded on first use

from . import rules

# The tables come from the rules' declarations of the libraries they own (see bot/engine/rules.py).
MOCK_MODULES = rules.MOCK_MODULES
STAR_EXPORTS = rules.STAR_EXPORTS
FIXTURE_TYPES = rules.FIXTURE_TYPES
ANNOTATION_TYPES = rules.ANNOTATION_TYPES


_MODULE_LEVEL_DEFINITION = re.compile(r"^(?:async[ \t]+def|def|class)[ \t]+([A-Za-z_]\w*)", re.MULTILINE)


def module_level_definitions(text: str) -> set[str]:
    """Names a file defines with `def`/`class` at module level: they shadow an import of the same name."""
    return set(_MODULE_LEVEL_DEFINITION.findall(text))


def canonical(qualified: str) -> str:
    for prefix, replacement in rules.CANONICAL_PREFIXES:
        if qualified == prefix or qualified.startswith(prefix + "."):
            return replacement + qualified[len(prefix) :]
    return qualified


def dotted(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


def module_name(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    return dotted(node) or ""


def is_mock_module(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in MOCK_MODULES)


# Packages that are no project's own: an import from them re-exports nothing of ours.
_NOT_PROJECT = ("os", "sys", "typing", "collections", "unittest", "pytest", "_pytest")


def library_of(module: str) -> str:
    """The mocking library an imported module belongs to (`mock` and `unittest.mock` are one)."""
    module = canonical(module)
    best = None
    for library in rules.LIBRARIES:
        for owned in map(canonical, library.modules):
            if (module == owned or module.startswith(owned + ".")) and (best is None or len(owned) > len(best[0])):
                best = (owned, library.name)
    return best[1] if best else module.split(".")[0]


@dataclass
class ImportBinding:
    local: str
    qualified: str
    module: str  # the mocking module it comes from
    line: int = 0


HARMLESS = frozenset(canonical(f"{module}.{name}") for library in rules.LIBRARIES for module in library.modules for name in library.harmless)
# What a project-local module imported under this name is taken for when its text cannot be read.
FALLBACK_MODULES = {"mock": "unittest.mock"}


@dataclass
class Bindings:
    """Names bound by imports, per file; function scopes add fixtures on top.

    `reexports` maps (module as written, with its leading dots; name) of a `from M import name`
    to the mocking name it re-exports, read from the project's own module M in the head tree.
    """

    imports: dict[str, str] = field(default_factory=dict)
    reexports: Mapping[tuple[str, str], str] = field(default_factory=dict)
    mock_classes: dict[str, str] = field(default_factory=dict)  # classes the file derives from mock classes

    def bind_import(self, node: cst.Import | cst.ImportFrom) -> list[ImportBinding]:
        """Record the bindings an import makes; return those that come from mocking modules."""
        found: list[ImportBinding] = []
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = module_name(alias.name)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local, qualified = alias.asname.name.value, full
                else:
                    local = qualified = full.split(".")[0]
                self.imports[local] = qualified
                if is_mock_module(full):
                    found.append(ImportBinding(local, full, full))
            return found
        module = module_name(node.module)
        written = "." * len(node.relative) + module
        if isinstance(node.names, cst.ImportStar):
            # `from unittest.mock import *` binds the module's public names; bind the ones that mock.
            if not node.relative and is_mock_module(module):
                for name in STAR_EXPORTS.get(canonical(module), ()):
                    self.imports.setdefault(name, f"{module}.{name}")
                found.append(ImportBinding("*", module, module))
            return found
        for alias in node.names:
            name = module_name(alias.name)
            local = (
                alias.asname.name.value
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name)
                else name
            )
            qualified = f"{module}.{name}"
            if not node.relative and (is_mock_module(module) or is_mock_module(qualified)):
                self.imports[local] = qualified
                if canonical(qualified) not in HARMLESS:  # `from unittest.mock import ANY` asserts; it mocks nothing
                    found.append(ImportBinding(local, qualified, module if is_mock_module(module) else qualified))
            else:
                self._bind_project_name(written, name, local, found)
        return found

    def _bind_project_name(self, written: str, name: str, local: str, found: list[ImportBinding]) -> None:
        """`from tests.compat import mock`, `from .. import mock`: a module of the project may
        re-export a mocking library. It is read through the head tree when the caller could
        (`reexports`); when it could not, a module imported under the name `mock` is the library."""
        absolute = written.lstrip(".")
        key = (written, name)
        if key in self.reexports:
            reexported = self.reexports[key]
            self.imports[local] = reexported
            if is_mock_module(reexported) and canonical(reexported) not in HARMLESS:
                found.append(ImportBinding(local, reexported, reexported))
        elif name in FALLBACK_MODULES and (written.startswith(".") or written.split(".")[0] not in _NOT_PROJECT):
            self.imports[local] = FALLBACK_MODULES[name]  # used as the library; its import is not reported
        else:
            self.imports[local] = f"{absolute}.{name}" if absolute else name


def resolve(expr: cst.BaseExpression, imports: Mapping[str, str], scope: Mapping[str, str]) -> str | None:
    """The canonical qualified name of a Name/Attribute chain, or None when it is local or unknown."""
    text = dotted(expr)
    if text is None:
        return None
    root, _, rest = text.partition(".")
    if root in ("self", "cls") and rest:
        # a fixture kept on the test object: `self.mocker = mocker`, then `self.mocker.patch(...)`
        attribute, _, rest = rest.partition(".")
        base = scope.get(f"self.{attribute}")
        if not base:
            return None
        return canonical(f"{base}.{rest}" if rest else base)
    if root in scope:
        base = scope[root]
    elif root in imports:
        base = imports[root]
    else:
        return None
    return canonical(f"{base}.{rest}" if rest else base)


# --- what the project's own modules re-export ----------------------------------------------------

_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)", re.MULTILINE)


def reexports(path: str, text: str, tree: Callable[[str], str | None]) -> dict[tuple[str, str], str]:
    """For each `from M import name` of the file where M is the project's own module (relative, or
    not a mocking library): what M binds `name` to, read from M's text in the head tree (the tree
    view reads each path once). A module that cannot be read gets no entry (FALLBACK_MODULES apply)."""
    found: dict[tuple[str, str], str] = {}
    if "from" not in text:  # (a substring test at C speed: most of a big change's files have no `from` import)
        return found
    for match in _FROM_IMPORT.finditer(text):
        written = match.group(1)
        absolute = written.lstrip(".")
        if not written.startswith(".") and (is_mock_module(absolute) or absolute.split(".")[0] in rules.IMPORT_ROOTS | set(_NOT_PROJECT)):
            continue
        wanted = [
            piece.split(" as ")[0].strip()
            for piece in match.group(2).strip("()").replace("\\", " ").split(",")
        ]
        wanted = [name for name in wanted if name.isidentifier()]
        if not wanted:
            continue
        read = _read_module(path, written, tree)
        if read is None:
            continue
        stem, module_text = read
        bound = module_bindings(module_text)
        for name in wanted:
            # A name the module does not take from a mocking library is the project's own.
            found[(written, name)] = bound.get(name) or ".".join(p for p in (*stem.split("/"), name) if p)
    return found


def _read_module(path: str, written: str, tree: Callable[[str], str | None]) -> tuple[str, str] | None:
    """The text of module `written` (`.compat`, `..`, `tests.compat`) as imported from `path`."""
    level = len(written) - len(written.lstrip("."))
    parts = [p for p in written.lstrip(".").split(".") if p]
    folders = path.split("/")[:-1]
    if level:
        roots = ["/".join(folders[: len(folders) - level + 1])] if level - 1 <= len(folders) else []
    else:
        # an absolute module: from each folder above the file (the package root is one of them)
        roots = ["/".join(folders[:n]) for n in range(len(folders), -1, -1)]
    for root in roots:
        stem = "/".join(p for p in (root, *parts) if p)
        for candidate in (f"{stem}.py", f"{stem}/__init__.py") if stem else ("__init__.py",):
            text = tree(candidate)
            if text is not None:
                return stem, text
    return None


def module_bindings(text: str) -> dict[str, str]:
    """The mocking names a module binds at its top level (inside `try`/`if` too)."""
    try:
        module = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    bound: dict[str, str] = {}
    statements = list(module.body)
    while statements:
        node = statements.pop(0)
        if isinstance(node, (ast.Try, ast.If)):
            statements.extend([*node.body, *getattr(node, "handlers", ()), *node.orelse, *getattr(node, "finalbody", ())])
        elif isinstance(node, ast.ExceptHandler):
            statements.extend(node.body)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if is_mock_module(alias.name):
                    bound[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            for alias in node.names:
                qualified = f"{node.module}.{alias.name}"
                if is_mock_module(node.module) or is_mock_module(qualified):
                    bound[alias.asname or alias.name] = qualified
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and node.value.args:
            func, first = node.value.func, node.value.args[0]
            if isinstance(func, ast.Attribute) and func.attr == "importorskip" and isinstance(first, ast.Constant):
                if isinstance(first.value, str) and is_mock_module(first.value):
                    bound.update({t.id: first.value for t in node.targets if isinstance(t, ast.Name)})
    return bound
