"""What one Python file says to pytest: its fixtures, tests, helpers, imports and plugins.

Read with the standard library's `ast` (parsing only, never importing: a pull request's code is
never run). One `ModuleModel` per file and run, built on demand from the head tree.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..first_pass import WordLines
from ..reduce import parse_cached

FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest.yield_fixture", "pytest_asyncio.fixture"})
USEFIXTURES = "pytest.mark.usefixtures"
PARAMETRIZE = "pytest.mark.parametrize"
NOT_FIXTURES = frozenset({"self", "cls"})


@dataclass(frozen=True)
class Request:
    """A fixture a function asks for, and the line that asks."""

    name: str
    line: int
    how: str  # "parameter" | "usefixtures"


@dataclass(frozen=True)
class FixtureDef:
    name: str  # the name tests request: `name=` or the function's
    function: str
    path: str
    line: int  # the first decorator's line
    def_line: int
    end_line: int
    requests: tuple[Request, ...]
    autouse: bool
    cls: str | None = None


@dataclass(frozen=True)
class TestDef:
    name: str
    cls: str | None
    line: int
    end_line: int
    requests: tuple[Request, ...]  # its parameters, then usefixtures (its own, its class's, the module's)
    parametrized: frozenset[str]  # names parametrize gives it (they replace fixtures of that name)
    node: ast.AST = field(compare=False, repr=False)

    @property
    def qualified(self) -> str:
        return f"{self.cls}.{self.name}" if self.cls else self.name


@dataclass(frozen=True)
class HelperDef:
    name: str
    path: str
    line: int
    end_line: int
    node: ast.AST = field(compare=False, repr=False)


@dataclass
class ModuleModel:
    path: str
    package: str  # the dotted package the file is in ("" at the root)
    tree: ast.Module | None
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    star_imports: list[str] = field(default_factory=list)
    fixtures: dict[str, FixtureDef] = field(default_factory=dict)  # module level, by requested name
    class_fixtures: dict[str, dict[str, FixtureDef]] = field(default_factory=dict)
    tests: list[TestDef] = field(default_factory=list)
    helpers: dict[str, HelperDef] = field(default_factory=dict)  # module-level functions, not fixtures
    classes: set[str] = field(default_factory=set)
    module_names: dict[str, ast.expr] = field(default_factory=dict)  # NAME = <value> at module level
    plugins: list[str] = field(default_factory=list)  # pytest_plugins

    def all_fixtures(self) -> list[FixtureDef]:
        return [*self.fixtures.values(), *(f for by_name in self.class_fixtures.values() for f in by_name.values())]


def dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def module_of_path(path: str) -> tuple[str, str]:
    """(module, package) a repository path stands for: `tests/it/conftest.py` -> (`tests.it.conftest`, `tests.it`)."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def parse(path: str, text: str) -> ModuleModel:
    _, package = module_of_path(path)
    tree = parse_cached(text)  # (shared with the other families' reads of the same text)
    if tree is None:
        return ModuleModel(path, package, None)
    model = ModuleModel(path, package, tree)
    _read_imports(model, tree, text)
    module_marks: list[Request] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            fixture = _fixture(model, node, None)
            if fixture is not None:
                model.fixtures[fixture.name] = fixture
            elif node.name.startswith("test"):
                model.tests.append(_test(model, node, None, []))
            else:
                model.helpers[node.name] = HelperDef(node.name, path, node.lineno, node.end_lineno or node.lineno, node)
        elif isinstance(node, ast.ClassDef):
            model.classes.add(node.name)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            model.module_names[name] = node.value
            if name == "pytest_plugins":
                model.plugins = _strings(node.value)
            elif name == "pytestmark":
                module_marks = _usefixtures_in(model, node.value)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            _read_class(model, node, module_marks)
    model.tests = [_with_marks(t, module_marks) if t.cls is None else t for t in model.tests]
    return model


def _statements(tree: ast.Module, lines: WordLines | None = None) -> Iterator[ast.AST]:
    """`ast.walk`'s order restricted to statements (and the except and case clauses that hold
    some): no statement is written inside an expression, so expressions are not entered. With
    `lines`, neither are statements whose lines hold none of its words."""
    pending: deque[ast.AST] = deque([tree])
    while pending:
        node = pending.popleft()
        pending.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, _HOLDS_STATEMENTS) and (lines is None or lines.holds(c)))
        yield node


_HOLDS_STATEMENTS = (ast.stmt, ast.excepthandler, ast.match_case)


def _read_imports(model: ModuleModel, tree: ast.Module, text: str) -> None:
    # (an import statement's lines hold the word `import`: the rest of the file is not entered)
    for node in _statements(tree, WordLines(text, ("import",))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    model.imports[alias.asname] = alias.name
                else:
                    model.imports[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            module = absolute_module(model.package, node.module, node.level)
            if module is None:
                continue
            for alias in node.names:
                if alias.name == "*":
                    model.star_imports.append(module)
                else:
                    model.imports[alias.asname or alias.name] = f"{module}.{alias.name}" if module else alias.name


def absolute_module(package: str, module: str | None, level: int) -> str | None:
    if not level:
        return module or ""
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def qualified(model: ModuleModel, node: ast.AST) -> str | None:
    """The imported name a Name/Attribute chain stands for, or None when it is local."""
    text = dotted(node)
    if text is None:
        return None
    root, _, rest = text.partition(".")
    if root not in model.imports:
        return None
    base = model.imports[root]
    return f"{base}.{rest}" if rest else base


def _decorator_name(model: ModuleModel, node: ast.expr) -> str | None:
    target = node.func if isinstance(node, ast.Call) else node
    return qualified(model, target)


def _fixture(model: ModuleModel, node: ast.FunctionDef | ast.AsyncFunctionDef, cls: str | None) -> FixtureDef | None:
    for decorator in node.decorator_list:
        if _decorator_name(model, decorator) not in FIXTURE_DECORATORS:
            continue
        name, autouse = node.name, False
        if isinstance(decorator, ast.Call):
            for kw in decorator.keywords:
                if kw.arg == "name" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    name = kw.value.value
                elif kw.arg == "autouse" and isinstance(kw.value, ast.Constant):
                    autouse = bool(kw.value.value)
        first = min(d.lineno for d in node.decorator_list)
        return FixtureDef(
            name=name,
            function=node.name,
            path=model.path,
            line=first,
            def_line=node.lineno,
            end_line=node.end_lineno or node.lineno,
            requests=_parameters(node),
            autouse=autouse,
            cls=cls,
        )
    return None


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[Request, ...]:
    """Parameters pytest fills with fixtures: not `self`/`cls`, not those with a default."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    with_default = {a.arg for a in positional[len(positional) - len(args.defaults) :]} if args.defaults else set()
    with_default |= {a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None}
    return tuple(
        Request(a.arg, a.lineno, "parameter")
        for a in (*positional, *args.kwonlyargs)
        if a.arg not in NOT_FIXTURES and a.arg not in with_default
    )


def _strings(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _usefixtures_in(model: ModuleModel, node: ast.expr) -> list[Request]:
    """`pytest.mark.usefixtures("a", "b")`, alone or in a list of marks."""
    marks = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
    found = []
    for mark in marks:
        if isinstance(mark, ast.Call) and qualified(model, mark.func) == USEFIXTURES:
            for arg in mark.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append(Request(arg.value, arg.lineno, "usefixtures"))
    return found


def _parametrized(model: ModuleModel, decorators: list[ast.expr]) -> set[str]:
    names: set[str] = set()
    for decorator in decorators:
        if not (isinstance(decorator, ast.Call) and qualified(model, decorator.func) == PARAMETRIZE and decorator.args):
            continue
        indirect = next((kw.value for kw in decorator.keywords if kw.arg == "indirect"), None)
        argnames = decorator.args[0]
        if isinstance(argnames, ast.Constant) and isinstance(argnames.value, str):
            given = [n.strip() for n in argnames.value.split(",") if n.strip()]
        else:
            given = _strings(argnames)
        if isinstance(indirect, ast.Constant) and indirect.value is True:
            continue  # indirect: the values go through the fixtures, which still run
        through_fixtures = set(_strings(indirect)) if isinstance(indirect, (ast.List, ast.Tuple)) else set()
        names.update(n for n in given if n not in through_fixtures)
    return names


def _test(model: ModuleModel, node: ast.FunctionDef | ast.AsyncFunctionDef, cls: str | None, class_decorators: list[ast.expr]) -> TestDef:
    requests = list(_parameters(node))
    for decorator in node.decorator_list:
        requests += _usefixtures_in(model, decorator)
    for decorator in class_decorators:
        requests += _usefixtures_in(model, decorator)
    return TestDef(
        name=node.name,
        cls=cls,
        line=node.lineno,
        end_line=node.end_lineno or node.lineno,
        requests=tuple(requests),
        parametrized=frozenset(_parametrized(model, [*node.decorator_list, *class_decorators])),
        node=node,
    )


def _with_marks(test: TestDef, marks: list[Request]) -> TestDef:
    if not marks:
        return test
    return TestDef(test.name, test.cls, test.line, test.end_line, (*test.requests, *marks), test.parametrized, test.node)


def _read_class(model: ModuleModel, node: ast.ClassDef, module_marks: list[Request]) -> None:
    fixtures: dict[str, FixtureDef] = {}
    class_marks: list[Request] = []
    for item in node.body:
        if isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in item.targets):
            class_marks = _usefixtures_in(model, item.value)
    for item in node.body:
        if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        fixture = _fixture(model, item, node.name)
        if fixture is not None:
            fixtures[fixture.name] = fixture
        elif node.name.startswith("Test") and item.name.startswith("test"):
            test = _test(model, item, node.name, node.decorator_list)
            model.tests.append(_with_marks(test, [*class_marks, *module_marks]))
    if fixtures:
        model.class_fixtures[node.name] = fixtures


def function_nodes(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function in a tree, outermost first."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
