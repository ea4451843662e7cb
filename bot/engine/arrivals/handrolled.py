"""Hand-rolled patches: a part of the system under test replaced without a mocking library.

- an attribute of an imported module or class assigned (`mailer.send = fake`,
  `SmtpClient.deliver = fake`), or set with the builtin `setattr(imported, "name", value)`;
- `sys.modules["x"] = ...`;
- FastAPI's `app.dependency_overrides[dep] = ...`.

The assigned value decides. A constant (`settings.DEBUG = True`) configures; a value that is
itself real (read from a fixture the test receives, or made by a real client's constructor)
replaces nothing with a fake; a lambda, a function or class the test file defines, or an object
built from one, is a fake. Attributes of objects the test itself created (`client.timeout = 5`)
are configuration: only imported names are the system under test.
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..categories import category_of_words, words
from ..first_pass import WordLines, touched_statements
from ..names import FIXTURE_TYPES
from .pymodel import ModuleModel, dotted, qualified, root_name

if TYPE_CHECKING:
    from .project import Project

# Names whose call builds a stand-in object rather than a real collaborator.
STAND_IN_BUILDERS = frozenset({"types.SimpleNamespace", "object", "type", "dict"})
# Modules whose objects are mocks or in-process fakes (their uses are mock-library findings).
FAKE_MODULES = ("unittest.mock", "mock", "pytest_mock", "fakeredis", "mongomock", "pyfakefs", "mongomock_motor")
MAX_DEPTH = 6


@dataclass(frozen=True)
class Patch:
    line: int
    column: int
    end_line: int
    construct: str  # "attribute assignment" | "setattr" | "sys.modules" | "dependency_overrides"
    target: str
    category: str
    real: bool  # the value is real (no finding)
    fixture: str | None  # the fixture the real value comes from, when it does
    function: str | None  # the enclosing function


def hand_rolled_patches(model: ModuleModel, project: Project | None = None, lines: Collection[int] | None = None, text: str | None = None) -> list[Patch]:
    """The file's hand-rolled patches; with `lines`, only the top-level statements that hold one
    of them are read (the patches on those lines are the same: a statement is read alone as
    within the module), and with the file's `text` too, only those that name an import of the
    module, `setattr` or `dependency_overrides` (every patch found names one)."""
    if model.tree is None:
        return []
    if lines is None:
        finder = _Finder(model)
        finder.visit(model.tree)
        return finder.found
    # Every patch found names one of these within its own lines: with the text, statements and
    # subtrees whose lines name none are not entered.
    named = WordLines(text, {*model.imports, "setattr", "dependency_overrides"}) if text is not None else None
    finder = _Finder(model, named)
    for statement in touched_statements(model.tree, lines, named=named):
        finder.visit(statement)
    return finder.found


class _Finder(ast.NodeVisitor):
    def __init__(self, model: ModuleModel, named: WordLines | None = None) -> None:
        self.model = model
        self.named = named  # where the names a patch is written with are, when known
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.found: list[Patch] = []

    def generic_visit(self, node: ast.AST) -> None:
        if self.named is None:
            super().generic_visit(node)
            return
        for child in ast.iter_child_nodes(node):
            if self.named.holds(child):
                self.visit(child)

    # scopes
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def _params(self) -> set[str]:
        names: set[str] = set()
        for function in self.functions:
            args = function.args
            names.update(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))
        return names

    def _locals(self) -> dict[str, ast.AST]:
        """Names the enclosing functions bind: nested defs/classes, and assignments (last wins)."""
        bound: dict[str, ast.AST] = {}
        for function in self.functions:
            for node in ast.walk(function):
                if node is function:
                    continue
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    bound[node.name] = node
                elif isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            bound[target.id] = node.value
                elif isinstance(node, (ast.With, ast.AsyncWith)):
                    for item in node.items:
                        if isinstance(item.optional_vars, ast.Name):
                            bound[item.optional_vars.id] = item.context_expr
        return bound

    def _imported_root(self, node: ast.AST) -> str | None:
        root = root_name(node)
        if root is None or root not in self.model.imports:
            return None
        if root in self._params() or root in self._locals():
            return None  # a parameter or a local of the same name hides the import
        return root

    # sites
    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._assignment(node, target, node.value)
        self.generic_visit(node)

    def _assignment(self, node: ast.Assign, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Subscript):
            owner = target.value
            if isinstance(owner, ast.Attribute) and owner.attr == "dependency_overrides":
                key = dotted(target.slice) or ast.unparse(target.slice)
                self._record(node, "dependency_overrides", key, value, override=True)
            elif dotted(owner) == "sys.modules" and self.model.imports.get("sys") == "sys":
                key = target.slice.value if isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str) else ast.unparse(target.slice)
                self._record(node, "sys.modules", key, value, always=True)
            return
        if isinstance(target, ast.Attribute) and self._imported_root(target) is not None:
            self._record(node, "attribute assignment", qualified(self.model, target) or dotted(target) or ast.unparse(target), value)

    def visit_Call(self, node: ast.Call) -> None:
        if (
            isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and "setattr" not in self.model.imports
            and len(node.args) == 3
            and self._imported_root(node.args[0]) is not None
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            owner = qualified(self.model, node.args[0]) or dotted(node.args[0]) or ast.unparse(node.args[0])
            self._record(node, "setattr", f"{owner}.{node.args[1].value}", node.args[2])
        self.generic_visit(node)

    def _record(self, node: ast.stmt | ast.expr, construct: str, target: str, value: ast.expr, *, override: bool = False, always: bool = False) -> None:
        kind, fixture = self.judge(value, 0)
        if kind == "config" and not (override or always):
            return
        if kind == "config" and override:
            kind = "fake"  # an override that answers a constant answers for the real dependency
        function = self.functions[0].name if self.functions else None
        # `get_db`, `get_current_user`: FastAPI's dependencies are named for what they get.
        named = target[4:] if construct == "dependency_overrides" and target.startswith("get_") and target != "get_current_user" else target
        category = category_of_words(words(named)) or (category_of_words(words(function)) if function else None) or "generic"
        self.found.append(
            Patch(
                line=node.lineno,
                column=node.col_offset + 1,
                end_line=node.end_lineno or node.lineno,
                construct=construct,
                target=target,
                category=category,
                real=kind == "real",
                fixture=fixture,
                function=function,
            )
        )

    # values
    def judge(self, value: ast.AST, depth: int) -> tuple[str, str | None]:
        """("config" | "real" | "fake", the fixture a real value comes from)."""
        if depth > MAX_DEPTH:
            return "fake", None
        if isinstance(value, (ast.Constant, ast.JoinedStr)):
            return "config", None
        if isinstance(value, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
            return "config", None
        if isinstance(value, ast.Lambda):
            kind, fixture = self.judge(value.body, depth + 1)
            return ("real", fixture) if kind == "real" else ("fake", None)
        if isinstance(value, ast.Await):
            return self.judge(value.value, depth + 1)
        if isinstance(value, ast.Call):
            return self._judge_call(value, depth)
        if isinstance(value, (ast.Name, ast.Attribute, ast.Subscript)):
            return self._judge_name(value, depth)
        return "fake", None

    def _judge_name(self, value: ast.AST, depth: int) -> tuple[str, str | None]:
        root = root_name(value)
        if root is None:
            return "fake", None
        if root in ("True", "False", "None"):
            return "config", None
        if root in self._params():
            return ("fake", None) if root in FIXTURE_TYPES else ("real", root)
        local = self._locals().get(root)
        if local is not None:
            return self._judge_definition(local, depth)
        if root in self.model.imports:
            imported = self.model.imports[root]
            return ("fake", None) if imported.startswith(FAKE_MODULES) else ("real", None)
        if root in self.model.helpers:
            return self._judge_definition(self.model.helpers[root].node, depth)
        if root in self.model.classes:
            return "fake", None
        if root in self.model.module_names:
            return self.judge(self.model.module_names[root], depth + 1)
        return "fake", None

    def _judge_call(self, call: ast.Call, depth: int) -> tuple[str, str | None]:
        root = root_name(call.func)
        if root is None:
            return "fake", None
        name = qualified(self.model, call.func) if root in self.model.imports else None
        if name is not None and (name in STAND_IN_BUILDERS or name.startswith(FAKE_MODULES)):
            return "fake", None
        if root in STAND_IN_BUILDERS and root not in self.model.imports:
            return "fake", None
        return self._judge_name(call.func, depth + 1)

    def _judge_definition(self, node: ast.AST, depth: int) -> tuple[str, str | None]:
        """A function is as real as everything it returns or yields; a class the test defines is a fake."""
        if isinstance(node, ast.ClassDef):
            return "fake", None
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            values = [n.value for n in ast.walk(node) if isinstance(n, (ast.Return, ast.Yield)) and n.value is not None]
            if not values:
                return "fake", None
            fixture = None
            self.functions.append(node)  # its values are read in its own scope
            try:
                for value in values:
                    kind, from_fixture = self.judge(value, depth + 1)
                    if kind != "real":
                        return "fake", None
                    fixture = fixture or from_fixture
            finally:
                self.functions.pop()
            return "real", fixture
        return self.judge(node, depth + 1)  # an assigned value
