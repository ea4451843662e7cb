"""The repository's own real-connection fixtures, to suggest instead of a generic template.

A team that already has `real_ws_client` in its conftest should be told to request it, not shown a
template it must adapt. From the files at hand (the conftest.py files from each changed test's
folder up to the root, and the changed tests themselves, read through the head-tree view) this
finds pytest fixtures whose body opens a real connection of a category (a WebSocket client, an
HTTP client, a database engine or session, a Redis client, a testcontainers service, ...) and
uses no mocking library, and counts the tests that request each. Names are resolved through the
file's imports with CPython's `ast` (no text matching), so `from websockets import connect as c`
counts and a local function called `connect` does not.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from dataclasses import dataclass, replace

from .model import Finding
from .rules import MOCK_MODULES

# Calls that open a real connection, by qualified name (a prefix matches what is under it).
REAL_CONNECTORS: Mapping[str, tuple[str, ...]] = {
    "websocket": ("websockets.connect", "websockets.client.connect", "websockets.asyncio.client.connect",
                  "websocket.create_connection", "aiohttp.ClientSession.ws_connect"),
    "http": ("httpx.Client", "httpx.AsyncClient", "requests.Session", "aiohttp.ClientSession",
             "fastapi.testclient.TestClient", "starlette.testclient.TestClient"),
    "database": ("sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine", "sqlalchemy.orm.sessionmaker",
                 "sqlalchemy.orm.Session", "asyncpg.connect", "asyncpg.create_pool", "psycopg.connect",
                 "psycopg2.connect", "psycopg.AsyncConnection.connect", "aiosqlite.connect", "sqlite3.connect",
                 "testcontainers.postgres", "testcontainers.mysql"),
    "redis": ("redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.asyncio.Redis", "redis.asyncio.from_url",
              "testcontainers.redis"),
    "queue": ("aio_pika.connect", "aio_pika.connect_robust", "pika.BlockingConnection", "kafka.KafkaProducer",
              "aiokafka.AIOKafkaProducer", "testcontainers.kafka", "testcontainers.rabbitmq"),
}


@dataclass(frozen=True)
class RealFixture:
    name: str
    category: str
    path: str
    line: int
    uses: int  # tests that request it, in the files read


def conftest_chain(test_path: str) -> list[str]:
    """`conftest.py` of the test's folder and of every folder above it, nearest first."""
    return list(_folder_chain(posixpath.dirname(test_path)))


@lru_cache(maxsize=4096)  # (every test of a big change asks; they share a few folders)
def _folder_chain(folder: str) -> tuple[str, ...]:
    chain = []
    while True:
        chain.append(posixpath.join(folder, "conftest.py") if folder else "conftest.py")
        if not folder:
            return tuple(chain)
        folder = posixpath.dirname(folder)


# A file can define such a fixture only if its text names `fixture` and imports a connector's
# top package (names are resolved through imports, so the package's name is in the text): the
# other files are never parsed. Derived from REAL_CONNECTORS, so a connector added there counts.
_ROOT_NAMES = sorted({p.split(".")[0] for prefixes in REAL_CONNECTORS.values() for p in prefixes})
_CONNECTOR_ROOTS = re.compile(r"\b(?:%s)\b" % "|".join(_ROOT_NAMES))


def _names_any(text: str, words: Iterable[str], pattern: re.Pattern[str]) -> bool:
    """`pattern` (one of `words` as a whole word) finds something in `text`. Plain substring
    searches first: most test files name none of the words anywhere, and `in` is several times
    faster than a regular expression over a whole file."""
    return any(word in text for word in words) and pattern.search(text) is not None


def find_real_fixtures(files: Mapping[str, str], code_words: Callable[[str], set[str] | None] = lambda path: None) -> dict[str, list[RealFixture]]:
    """Per category, the real-connection fixtures defined in `files`, most used first.
    `code_words(path)`: the words of a file's code (strings and comments aside), when the caller
    has them (`first_pass.Layout.words`): the same look, without reading the text again."""

    def may_define(path: str, text: str) -> bool:
        words = code_words(path)
        if words is None:
            return "fixture" in text and _names_any(text, _ROOT_NAMES, _CONNECTOR_ROOTS)
        return not words.isdisjoint(_ROOT_NAMES) and any("fixture" in word for word in words)

    trees = {path: tree for path, text in files.items() if may_define(path, text) and (tree := _parse(text)) is not None}
    found: dict[str, list[RealFixture]] = {}
    for path, tree in trees.items():
        imports = _imports(tree)
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not _is_fixture(node, imports):
                continue
            category = _category(node, imports)
            if category is not None:
                found.setdefault(category, []).append(RealFixture(node.name, category, path, node.lineno, 0))
    if not found:
        return {}
    # Uses are counted only in the files that hold a found fixture's name (a test requesting it
    # names it), so the rest of the suite is not parsed either.
    names = {f.name for fixtures in found.values() for f in fixtures}
    naming = re.compile(r"\b(?:%s)\b" % "|".join(map(re.escape, sorted(names))))
    requested: dict[str, int] = {}
    for path, text in files.items():
        if not _names_any(text, names, naming):
            continue
        tree = trees.get(path) or _parse(text)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
                for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
                    requested[arg.arg] = requested.get(arg.arg, 0) + 1
    counted = {c: [replace(f, uses=requested.get(f.name, 0)) for f in fixtures] for c, fixtures in found.items()}
    return {c: sorted(fixtures, key=lambda f: (-f.uses, f.path, f.line)) for c, fixtures in counted.items()}


def files_for(test_paths: Iterable[str], tree: Callable[[str], str | None]) -> dict[str, str]:
    """The conftest chains of the given tests, plus the tests themselves, through the head tree."""
    wanted = dict.fromkeys(p for test in test_paths for p in (test, *conftest_chain(test)))
    return {path: text for path in wanted if (text := tree(path)) is not None}


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _imports(tree: ast.Module) -> dict[str, str]:
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _qualified(node: ast.expr, imports: Mapping[str, str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in imports:
        return None
    return ".".join([imports[node.id], *reversed(parts)])


def _is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef, imports: Mapping[str, str]) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = _qualified(target, imports) or ""
        if name.endswith(".fixture") and name.split(".")[0] in ("pytest", "pytest_asyncio"):
            return True
    return False


def _category(node: ast.FunctionDef | ast.AsyncFunctionDef, imports: Mapping[str, str]) -> str | None:
    """The category of the real connection the fixture opens; None when it opens none, or when it
    touches a mocking library or fixture at all (a fixture that wraps a mock is not offered)."""
    parameters = {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
    if parameters & {"mocker", "monkeypatch", "respx_mock", "httpx_mock", "requests_mock"}:
        return None
    category = None
    for inner in ast.walk(node):
        if isinstance(inner, (ast.Name, ast.Attribute)):
            name = _qualified(inner, imports)
            if name and any(name == m or name.startswith(m + ".") for m in MOCK_MODULES):
                return None
        if category is None and isinstance(inner, ast.Call):
            name = _qualified(inner.func, imports)
            if name:
                category = next((c for c, prefixes in REAL_CONNECTORS.items()
                                 if any(name == p or name.startswith(p + ".") for p in prefixes)), None)
    return category


def with_suggestions(findings: list[Finding], test_paths: Iterable[str], tree: Callable[[str], str | None] | None,
                     named: Mapping[str, str], code_words: Callable[[str], set[str] | None] = lambda path: None) -> list[Finding]:
    """Findings whose category has a real fixture in the repository (named in the rules file's
    `suggest:`, else the most used one found) name it and get a snippet that requests it; the
    built-in template stays the fall-back."""
    categories = {f.category for f in findings}
    if not findings or tree is None or not (categories - {"generic", "time"}):
        return findings
    found = find_real_fixtures(files_for(test_paths, tree), code_words)
    chosen: dict[str, RealFixture] = {}
    for category in categories:
        if category in named:
            known = [f for fixtures in found.values() for f in fixtures if f.name == named[category]]
            chosen[category] = known[0] if known else RealFixture(named[category], category, "", 0, 0)
        elif found.get(category):
            chosen[category] = found[category][0]
    result = []
    for finding in findings:
        fixture = chosen.get(finding.category)
        if fixture is None or finding.rule.startswith("MG3"):
            result.append(finding)
            continue
        where = f" in {fixture.path}:{fixture.line}" if fixture.path else ""
        used = f", used by {fixture.uses} test{'s' if fixture.uses != 1 else ''}" if fixture.uses else ""
        sentence = f"This repository already has `{fixture.name}`{where}{used}: request it instead."
        result.append(replace(finding, message=f"{finding.message} {sentence}", template=_snippet(fixture, finding)))
    return result


def _snippet(fixture: RealFixture, finding: Finding) -> str:
    where = f" ({fixture.path}:{fixture.line})" if fixture.path else ""
    name = "test_" + (finding.target or finding.category).replace(".", "_").replace("-", "_").split("(")[0][-40:].strip("_")
    return (
        f"def {name}({fixture.name}):\n"
        f'    """Talks to the real thing through the repository\'s own `{fixture.name}` fixture{where}."""\n'
        f"    # call the code under test with {fixture.name} instead of the mock, then assert on what\n"
        f"    # really happened (the row in the database, the message received, the response body)\n"
        f"    ...\n"
    )
