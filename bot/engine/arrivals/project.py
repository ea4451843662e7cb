"""The repository as pytest sees it from one test: which fixture a name means, and what a fixture
or a helper function hands the test.

Resolution follows pytest's own order, nearest first: the test's class, the test module (its own
fixtures and those it imports), the `conftest.py` files from the test's folder up to the
repository's root, then the plugins that `pytest_plugins` names inside the repository. A fixture
that requests its own name gets the next one up. Fixtures from installed plugins (outside the
repository) and fixtures made at run time (`request.getfixturevalue`, factories) are not followed.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from ..model import Site

if TYPE_CHECKING:
    from .. import sites
else:
    from ..lazy import LazyModule

    sites = LazyModule(f"{__package__.rpartition('.')[0]}.sites")  # (libcst: only when a fixture's body is scanned)
from .handrolled import Patch, hand_rolled_patches
from .pymodel import FixtureDef, HelperDef, ModuleModel, TestDef, module_of_path, parse
from .tree import HeadTree

ENVIRONMENT_CONSTRUCTS = ("monkeypatch.setenv", "monkeypatch.delenv")
MAX_DEPTH = 8  # fixture chains and helper calls are followed this deep


@dataclass(frozen=True)
class MockSource:
    """Where a mock is built: a mock-library site or a hand-rolled patch."""

    path: str
    line: int
    construct: str
    target: str | None
    site: Site | None = None  # the mock-library site, for its category
    category: str | None = None  # a hand-rolled patch's category


@dataclass(frozen=True)
class Provision:
    """How a fixture or helper hands over a mock: the chain of names, then the line that builds it."""

    chain: tuple[str, ...]  # fixture or helper names, outermost first
    links: tuple[tuple[str, int], ...]  # (path, line) of each name's definition
    source: MockSource


class Project:
    def __init__(self, tree: HeadTree, *, tolerate_environment: bool = True) -> None:
        self.tree = tree
        self.tolerate_environment = tolerate_environment
        self._models: dict[str, ModuleModel | None] = {}
        self._sites: dict[str, list[Site]] = {}
        self._patches: dict[str, list[Patch]] = {}
        self._fixture_provisions: dict[tuple[int, str, int, str], Provision | None] = {}
        self._helper_provisions: dict[tuple[str, str], Provision | None] = {}
        self._scopes: dict[tuple[str, str | None], list[dict[str, FixtureDef]]] = {}

    # files -----------------------------------------------------------------------------------
    def model(self, path: str) -> ModuleModel | None:
        if path not in self._models:
            text = self.tree.text(path)
            self._models[path] = parse(path, text) if text is not None else None
        return self._models[path]

    def module_path(self, module: str, near: str = "") -> str | None:
        """The repository file of a dotted module: from the root, under `src/`, or beside `near`
        (pytest's default import mode puts a test's own folder on sys.path)."""
        if not module:
            return None
        relative = module.replace(".", "/")
        roots = ["", "src/"]
        folder = near.rsplit("/", 1)[0] if "/" in near else ""
        while folder:
            roots.append(folder + "/")
            folder = folder.rsplit("/", 1)[0] if "/" in folder else ""
        for root in roots:
            for candidate in (f"{root}{relative}.py", f"{root}{relative}/__init__.py"):
                if self.tree.exists(candidate):
                    return candidate
        return None

    def definition(self, qualified: str, near: str) -> tuple[ModuleModel, str] | None:
        """(module, name) of an imported `pkg.mod.name` defined in the repository."""
        module, _, name = qualified.rpartition(".")
        path = self.module_path(module, near)
        model = self.model(path) if path else None
        return (model, name) if model is not None else None

    def mock_sites(self, path: str) -> list[Site]:
        """Every mock-library site of a file (the engine's scanner), environment patches left out
        when the rules tolerate them."""
        if path not in self._sites:
            text = self.tree.text(path) or ""
            try:
                found = sites.scan(text, set(range(1, text.count("\n") + 2))).sites
            except (sites.ChunkParseError, RecursionError, MemoryError):
                found = []
            self._sites[path] = [s for s in found if not (self.tolerate_environment and _environment(s))]
        return self._sites[path]

    def patches(self, path: str) -> list[Patch]:
        if path not in self._patches:
            model = self.model(path)
            self._patches[path] = hand_rolled_patches(model, self) if model is not None and model.tree is not None else []
        return self._patches[path]

    def sources_in(self, path: str, start: int, end: int) -> list[MockSource]:
        found = [
            MockSource(path, s.line, s.construct, s.target, site=s)
            for s in self.mock_sites(path)
            if start <= s.line <= end
        ]
        found += [
            MockSource(path, p.line, p.construct, p.target, category=p.category)
            for p in self.patches(path)
            if start <= p.line <= end and not p.real
        ]
        return sorted(found, key=lambda s: s.line)

    # pytest's view from a test ---------------------------------------------------------------
    @cached_property
    def ini_usefixtures(self) -> tuple[str, ...]:
        """`usefixtures` of the repository's pytest configuration (pytest.ini, pyproject.toml, tox.ini, setup.cfg)."""
        for path, section in (("pytest.ini", "pytest"), ("pyproject.toml", None), ("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
            text = self.tree.text(path)
            if text is None:
                continue
            import configparser  # (here: most runs never read a pytest configuration)
            import tomllib

            if section is None:
                try:
                    options = tomllib.loads(text).get("tool", {}).get("pytest", {}).get("ini_options")
                except tomllib.TOMLDecodeError:
                    continue
                if options is None:
                    continue
                value = options.get("usefixtures", [])
                return tuple(value.split() if isinstance(value, str) else (v for v in value if isinstance(v, str)))
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read_string(text)
            except configparser.Error:
                continue
            if parser.has_section(section):
                return tuple(re.split(r"[\s,]+", parser.get(section, "usefixtures", fallback="").strip()) if parser.get(section, "usefixtures", fallback="").strip() else ())
        return ()

    def scopes(self, path: str, cls: str | None = None) -> list[dict[str, FixtureDef]]:
        """The fixtures visible from a test in `path` (and class `cls`), nearest first."""
        if (path, cls) not in self._scopes:
            self._scopes[(path, cls)] = self._levels(path, cls)
        return self._scopes[(path, cls)]

    def _levels(self, path: str, cls: str | None) -> list[dict[str, FixtureDef]]:
        levels: list[dict[str, FixtureDef]] = []
        model = self.model(path)
        plugins: list[str] = []
        if model is not None:
            if cls and cls in model.class_fixtures:
                levels.append(model.class_fixtures[cls])
            levels.append(self._module_fixtures(model))
            plugins += model.plugins
        folder = path.rsplit("/", 1)[0] if "/" in path else ""
        while True:
            conftest = f"{folder}/conftest.py" if folder else "conftest.py"
            if conftest != path:
                found = self.model(conftest)
                if found is not None:
                    levels.append(self._module_fixtures(found))
                    plugins += found.plugins
            if not folder:
                break
            folder = folder.rsplit("/", 1)[0] if "/" in folder else ""
        for plugin in plugins:
            plugin_path = self.module_path(plugin)
            plugin_model = self.model(plugin_path) if plugin_path else None
            if plugin_model is not None:
                levels.append(self._module_fixtures(plugin_model))
        return levels

    def _module_fixtures(self, model: ModuleModel, depth: int = 0) -> dict[str, FixtureDef]:
        """A module's fixtures: its own, and those it imports from the repository's modules."""
        found: dict[str, FixtureDef] = {}
        if depth > 3:
            return found
        for star in model.star_imports:
            path = self.module_path(star, model.path)
            other = self.model(path) if path else None
            if other is not None and other is not model:
                found.update(self._module_fixtures(other, depth + 1))
        for local, imported in model.imports.items():
            module, _, name = imported.rpartition(".")
            if not module or module.split(".")[0] in ("pytest", "unittest", "_pytest"):
                continue
            path = self.module_path(module, model.path)
            other = self.model(path) if path else None
            if other is None or other is model:
                continue
            fixture = next((f for f in other.fixtures.values() if f.function == name), None)
            if fixture is not None:
                found[fixture.name if fixture.name != fixture.function else local] = fixture
        found.update(model.fixtures)
        return found

    def resolve(self, levels: list[dict[str, FixtureDef]], name: str, after: FixtureDef | None = None) -> FixtureDef | None:
        start = 0
        if after is not None:
            for index, level in enumerate(levels):
                if any(f is after for f in level.values()):
                    start = index + 1
                    break
        for level in levels[start:]:
            if name in level:
                return level[name]
        return None

    def fixture_provision(self, levels: list[dict[str, FixtureDef]], fixture: FixtureDef, depth: int = 0,
                          seen: frozenset[tuple[str, int]] = frozenset()) -> Provision | None:
        """How `fixture` hands its requester a mock, seen from the requester's scopes, or None."""
        key = (id(levels), fixture.path, fixture.line, fixture.name)
        if key in self._fixture_provisions:
            return self._fixture_provisions[key]
        result = None
        link = (fixture.path, fixture.def_line)
        own = self.sources_in(fixture.path, fixture.def_line, fixture.end_line)
        if own:
            result = Provision((fixture.name,), (link,), own[0])
        elif depth < MAX_DEPTH:
            for request in fixture.requests:
                upstream = self.resolve(levels, request.name, after=fixture if request.name == fixture.name else None)
                if upstream is None or (upstream.path, upstream.line) in seen:
                    continue
                found = self.fixture_provision(levels, upstream, depth + 1, seen | {(fixture.path, fixture.line)})
                if found is not None:
                    result = Provision((fixture.name, *found.chain), (link, *found.links), found.source)
                    break
            if result is None:
                result = self._through_helpers(fixture.path, fixture.def_line, fixture.end_line, fixture.name, link, depth)
        self._fixture_provisions[key] = result
        return result

    # helpers ---------------------------------------------------------------------------------
    def helper(self, model: ModuleModel, callee: ast.expr) -> HelperDef | None:
        """The project function a call's callee names: defined in the same file or imported from
        one of the repository's modules (library functions are not followed)."""
        from .pymodel import dotted

        text = dotted(callee)
        if text is None:
            return None
        root, _, rest = text.partition(".")
        if not rest and root in model.helpers and root not in model.imports:
            return model.helpers[root]
        if root not in model.imports:
            return None
        imported = model.imports[root] + (f".{rest}" if rest else "")
        found = self.definition(imported, model.path)
        if found is None:
            return None
        other, name = found
        return other.helpers.get(name)

    def helper_provision(self, helper: HelperDef, depth: int = 0) -> Provision | None:
        key = (helper.path, helper.name)
        if key in self._helper_provisions:
            return self._helper_provisions[key]
        self._helper_provisions[key] = None  # a recursive helper ends here
        link = (helper.path, helper.line)
        own = self.sources_in(helper.path, helper.line, helper.end_line)
        result = Provision((helper.name,), (link,), own[0]) if own else None
        if result is None and depth < MAX_DEPTH:
            result = self._through_helpers(helper.path, helper.line, helper.end_line, helper.name, link, depth)
        self._helper_provisions[key] = result
        return result

    def _through_helpers(self, path: str, start: int, end: int, name: str, link: tuple[str, int], depth: int) -> Provision | None:
        """A function whose body calls a project helper that provides a mock provides it too."""
        import ast

        model = self.model(path)
        if model is None or model.tree is None:
            return None
        for node in ast.walk(model.tree):
            if isinstance(node, ast.Call) and start <= node.lineno <= end:
                helper = self.helper(model, node.func)
                if helper is None or (helper.path, helper.line) == (path, start):
                    continue
                found = self.helper_provision(helper, depth + 1)
                if found is not None:
                    return Provision((name, *found.chain), (link, *found.links), found.source)
        return None


def _environment(site: Site) -> bool:
    if site.construct in ENVIRONMENT_CONSTRUCTS:
        return True
    return site.construct.endswith("patch.dict") and (site.target or "").replace(" ", "") in ("os.environ", "environ")


def test_scopes(project: Project, path: str, test: TestDef) -> list[dict[str, FixtureDef]]:
    return project.scopes(path, test.cls)


__all__ = ["MockSource", "Project", "Provision", "module_of_path", "test_scopes"]
