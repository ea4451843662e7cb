"""A light import-tracking pass over libcst trees: what a name in a test file really refers to.

libcst's full QualifiedNameProvider costs about 0.2 s for a file of a few hundred lines; mockguard
only needs to know which names come from mocking libraries, so it records import bindings and the
pytest fixtures a function receives, and resolves dotted expressions against them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst

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
