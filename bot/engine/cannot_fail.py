"""Tests that cannot fail (MG3xx): the code a change adds to a gated file that lets a test pass,
or skip, when the real service behind it is down.

A real connection wrapped in `try: ... except Exception: print(e)` is a mock by other means: the
test is green whatever the service does. This module finds, on the statements that hold added
lines of gated files:

- MG301 a handler (bare, `Exception`, `BaseException` or a connection-type error) around real I/O
  or a call into the system under test that neither re-raises, nor fails the test, nor records the
  error somewhere asserted afterwards; or that swaps in a substitute (a fake token, a mock client,
  made-up results) whoever builds it;
- MG302 a skip (`pytest.skip`, `pytest.xfail`, `self.skipTest`, `raise SkipTest`, or a bare `return`
  in a test) that runs because a connection failed or because a live probe says the service is down;
- MG303 a `skipif`/`skipIf`/`skipUnless` marker whose condition is a live probe (a warning by default);
- MG304 an assertion that cannot fail (`assert True`, `assert x or True`, `len(x) >= 0`, an
  alternative asserted just before);
- MG305 a helper that turns a connection failure into `False`/`None`/an error value that no caller
  in the change asserts, or into a made-up success.

Only CPython's `ast` is used, and only on the top-level statements ("chunks") that hold an added
line and one of the rules' trigger words: a file without them costs a split into lines. What is
new is decided like mocks: a site on added lines pairs with a site the base loses on deleted lines,
first by its normalised code (moved, re-indented, re-wrapped), then by the enclosing test and kind
(reworded, or re-expressed from an except-handler skip to a probe before the test).
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple, TypedDict

from .categories import category_of_words, words
from .diff import source_lines
from .first_pass import Chunk, Layout, normalise_code
from .model import FileChange, Finding, Site
from .novelty import moved_between_files, new_sites
from .reduce import parse_cached
from .rules import CANNOT_FAIL_TRIGGER_WORDS
from .suppressions import find_suppressions, suppression_for
from .templates import Template, TemplateError, adapt, builtin_template

CATEGORY = "cannot-fail"
LIBRARY = "cannot-fail"

# One of the rules' trigger words stands on the first line of every MG3xx site (the `except`, the
# skip, the assert, the marker); a chunk without any is never parsed.
_TRIGGER = re.compile(r"\b(?:%s)\b" % "|".join(sorted(CANNOT_FAIL_TRIGGER_WORDS)))
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# --- what a handler catches ---------------------------------------------------------------------

_BROAD = {"Exception", "BaseException"}
# Connection and operational errors of the standard library and of the usual clients (websockets,
# httpx, aiohttp, requests, redis, asyncpg, psycopg, SQLAlchemy, grpc), by their last name.
_CONNECTION_NAMES = {
    "OSError", "IOError", "EnvironmentError", "ConnectionError", "ConnectionRefusedError",
    "ConnectionResetError", "ConnectionAbortedError", "BrokenPipeError", "TimeoutError", "timeout",
    "error", "gaierror", "herror", "ConnectError", "ConnectTimeout", "ReadTimeout", "WriteTimeout",
    "PoolTimeout", "TimeoutException", "TransportError", "NetworkError", "RequestError", "HTTPError",
    "HTTPStatusError", "RequestException", "Timeout", "ClientError", "ClientConnectorError",
    "ClientConnectionError", "ClientOSError", "ServerDisconnectedError", "ServerTimeoutError",
    "WebSocketException", "ConnectionClosed", "ConnectionClosedError", "ConnectionClosedOK",
    "InvalidStatusCode", "InvalidStatus", "InvalidHandshake", "InvalidURI", "InvalidMessage",
    "RedisError", "BusyLoadingError", "PostgresError", "PostgresConnectionError",
    "CannotConnectNowError", "InterfaceError", "OperationalError", "DatabaseError", "DBAPIError",
    "SQLAlchemyError", "DisconnectionError", "RpcError", "AioRpcError", "URLError",
    "RemoteDisconnected", "ProtocolError", "MaxRetryError", "NewConnectionError", "SSLError",
    "WebSocketDisconnect", "WebSocketTimeoutException", "WebSocketConnectionClosedException",
}
_TIMEOUT_NAMES = {"TimeoutError", "timeout", "ConnectTimeout", "ReadTimeout", "WriteTimeout", "PoolTimeout", "TimeoutException", "Timeout", "ServerTimeoutError", "WebSocketTimeoutException"}

# --- what counts as real I/O or a call into the system under test ----------------------------------

_IO_MODULES = {
    "websockets", "websocket", "requests", "httpx", "aiohttp", "urllib", "urllib3", "http", "socket",
    "ssl", "redis", "aioredis", "asyncpg", "psycopg", "psycopg2", "sqlalchemy", "pymongo", "motor",
    "grpc", "pika", "aio_pika", "kafka", "aiokafka", "confluent_kafka", "boto3", "botocore",
    "elasticsearch", "opensearchpy", "smtplib", "ftplib", "paramiko", "pymysql", "mysql", "sqlite3",
    "aiosqlite", "nats", "openai", "anthropic", "socketio", "grpclib", "celery", "docker", "subprocess",
    "asyncio.open_connection", "requests_html", "playwright", "selenium", "starlette", "fastapi",
}
# Modules whose calls are local work (parsing, in-memory objects), never I/O.
_PURE_MODULES = {
    "json", "re", "ast", "math", "datetime", "decimal", "uuid", "base64", "hashlib", "hmac",
    "itertools", "functools", "collections", "dataclasses", "typing", "enum", "string", "textwrap",
    "yaml", "toml", "tomllib", "csv", "struct", "binascii", "copy", "operator", "random", "statistics",
    "fractions", "pydantic", "logging", "warnings", "pprint", "time", "pytest", "unittest", "os", "sys",
    "pathlib", "shutil", "tempfile", "importlib", "inspect", "traceback", "contextlib", "secrets",
}
# Method names that are I/O whatever object they are called on.
_IO_METHODS = {
    "connect", "connect_ex", "create_connection", "open_connection", "urlopen", "request", "fetch",
    "fetchrow", "fetchval", "fetchall", "fetchone", "execute", "executemany", "ping", "publish",
    "subscribe", "recv", "recv_json", "recv_string", "receive", "receive_json", "receive_text",
    "receive_bytes", "send_json", "send_text", "send_bytes", "sendall", "sendto", "send_message",
    "websocket_connect", "ws_connect", "login", "upload", "download", "invoke", "health",
    "healthcheck", "health_check", "produce", "consume", "basic_publish", "declare_queue",
    "create_engine", "create_async_engine", "Redis", "StrictRedis", "from_url", "Client",
    "AsyncClient", "ClientSession", "Session", "MongoClient", "create_pool", "run_until_complete",
    "call_tool", "complete", "completions", "chat", "embed", "query", "sql", "commit",
}
# Methods that are I/O only on an object that looks like a connection (`client.get` yes, `data.get` no).
_IO_ON_CLIENT = {"get", "post", "put", "patch", "delete", "head", "options", "send", "read", "write", "set", "hget", "hset", "lpush", "rpush", "xadd", "call", "run", "open", "list", "create", "update", "insert", "find", "find_one", "search", "close_session"}
_CLIENT_WORDS = {
    "client", "session", "ws", "websocket", "socket", "sock", "conn", "connection", "db", "database",
    "redis", "api", "http", "server", "service", "svc", "channel", "producer", "consumer", "broker",
    "cursor", "pool", "engine", "app", "stub", "queue", "bus", "cache", "store", "repo", "gateway",
    "backend", "remote", "cluster", "node", "browser", "page", "driver", "llm", "model", "agent",
}
# Local work: parsing, conversions, in-memory containers.
_PURE_CALLS = {
    "int", "float", "str", "bool", "bytes", "len", "list", "dict", "set", "tuple", "sorted", "min",
    "max", "sum", "any", "all", "repr", "isinstance", "getattr", "hasattr", "print", "range",
    "enumerate", "zip", "map", "filter", "loads", "dumps", "load", "dump", "literal_eval", "parse",
    "parse_obj", "model_validate", "model_validate_json", "fromisoformat", "strptime", "decode",
    "encode", "split", "strip", "lower", "upper", "format", "join", "replace", "startswith", "endswith",
    "keys", "values", "items", "copy", "append", "extend", "pop", "update_forward_refs", "sleep",
    "compile", "match", "search_text", "findall", "fullmatch", "sub", "Decimal", "UUID", "Path",
    "read_text", "read_bytes", "exists", "is_file", "import_module", "find_spec",
}
_CLEANUP_CALLS = {
    "close", "aclose", "disconnect", "stop", "shutdown", "terminate", "kill", "cancel", "unlink",
    "rmtree", "remove", "cleanup", "teardown", "dispose", "join", "wait_closed", "drop_all",
    "flushall", "flushdb", "release", "unsubscribe", "quit", "exit", "__exit__", "__aexit__",
}

_FAIL_CALLS = {"pytest.fail", "fail", "self.fail", "sys.exit", "os._exit", "pytest.exit", "exit"}
_SKIP_CALLS = {"pytest.skip", "pytest.xfail", "skip", "xfail", "self.skipTest", "pytest.importorskip"}
_SKIP_EXCEPTIONS = {"SkipTest", "unittest.SkipTest", "pytest.skip.Exception", "Skipped", "skip.Exception"}
_SKIPIF_MARKERS = {"skipif", "skipIf", "skipUnless", "xfail"}

_SUBSTITUTE_WORDS = {"fake", "dummy", "stub", "mock", "offline", "fallback", "placeholder", "noop", "null", "inmemory", "in_memory", "canned", "sample", "hardcoded", "simulated", "simulate"}
_MOCK_CLASSES = {"Mock", "MagicMock", "AsyncMock", "NonCallableMock", "create_autospec", "SimpleNamespace"}
_SUCCESS_WORDS = {"ok", "success", "succeeded", "passed", "pass", "healthy", "connected", "available", "up", "true", "done", "valid", "200"}
_FAILURE_FLAG_WORDS = {"error", "errors", "err", "failed", "failure", "failures", "fail", "down", "unavailable", "offline", "skipped", "skip", "exception", "exc", "problems", "missing"}

# A condition that reads configuration, not the service: an environment switch, credentials, a tool.
_CONFIG_WORDS = {"environ", "getenv", "env", "which", "find_spec", "platform", "version_info", "settings", "config", "credentials", "api_key", "apikey", "token", "secret", "password", "ci", "exists", "isfile", "isdir", "is_file", "importorskip", "flag", "option", "getoption", "enabled", "run_e2e", "run_integration", "has_credentials"}
# Names of calls that ask whether a service answers.
_PROBE_WORDS = {"available", "availability", "reachable", "alive", "up", "running", "ping", "pingable", "healthy", "health", "online", "ready", "connectable", "connect", "listening", "responding", "responds", "is_up", "port_open", "open_port", "can_connect", "serving", "started", "status"}

_SETUP_NAMES = {"setUp", "asyncSetUp", "setup_method", "setup_class", "setUpClass", "setup_module", "setup_function", "setup"}
_TEARDOWN_NAMES = {"tearDown", "asyncTearDown", "teardown_method", "teardown_class", "tearDownClass", "teardown_module", "teardown_function", "teardown", "__exit__", "__aexit__", "__del__", "finalize", "finalizer"}
_TEARDOWN_WORDS = {"close", "cleanup", "clean", "teardown", "shutdown", "stop", "dispose", "finalize", "finalise", "destroy", "drop", "reset", "purge", "release", "disconnect"}

# What the message says is down, by the category of the names the try body calls.
SERVICE_NOUNS = {
    "websocket": "the WebSocket server",
    "database": "the database",
    "redis": "Redis",
    "http": "the HTTP service",
    "llm": "the LLM provider",
    "auth": "the auth service",
    "queue": "the message broker",
    "internal-service": "the service",
    "filesystem": "the storage service",
    "time": "the service",
    "generic": "the service",
}

KINDS = {"MG301": "swallow", "MG302": "skip", "MG303": "skip", "MG304": "assert", "MG305": "status"}


@dataclass
class Found:
    """One MG3xx site as the analysis sees it, before it is placed on an added line."""

    rule: str
    construct: str
    line: int  # the site's own line (the `except`, the skip, the assert, the marker)
    span: tuple[int, int]  # the lines that make the site: an edit of any of them changes it
    code: str  # the site's code, for the exact key
    test: str | None  # the qualified enclosing function
    role: str  # test | fixture | setup | helper | module
    what: str  # a short description for the message ("only prints the error")
    target: str | None  # what the guarded code calls, or the probe
    service: str  # "the WebSocket server"
    helper: str | None = None  # MG305: the helper's name, to find its callers
    pending: bool = False  # MG305: a site only when no caller in the change asserts the helper


class _Where(TypedDict):
    """The fields of `Found` every site of one `except` handler shares."""

    test: str | None
    role: str
    target: str | None
    service: str
    code: str


# --- the file's parts -----------------------------------------------------------------------------


@dataclass
class Source:
    """One version of one file, cut into chunks; chunks are parsed once, on demand."""

    path: str
    text: str
    code: list[str] = field(default_factory=list)  # the lines with strings and comments blanked
    parsed: dict[int, ast.Module | None] = field(default_factory=dict)
    _imports: dict[str, str] | None = None
    layout: Layout | None = None  # the text's first-look layout, when the caller has it already

    def __post_init__(self) -> None:
        self.layout = layout = self.layout if self.layout is not None else Layout(self.text)
        # Cut where the code (not a string's text) starts a top-level statement.
        self.code = layout.code_lines

    @property
    def chunks(self) -> list[Chunk]:
        """The text's chunks (cut when a look needs more than the ones the change touches)."""
        assert self.layout is not None  # (set in __post_init__)
        return self.layout.chunks

    @property
    def lines(self) -> list[str]:
        """The text's lines, line ends kept (split only when a chunk is parsed or quoted)."""
        assert self.layout is not None  # (set in __post_init__)
        return self.layout.lines

    def chunk_text(self, chunk: Chunk) -> str:
        """The chunk's code, strings and comments blanked: what trigger words are looked for in."""
        return "".join(self.code[chunk.start : chunk.end])

    def module(self, chunk: Chunk) -> ast.Module | None:
        if chunk.start not in self.parsed:
            self.parsed[chunk.start] = self._parse(chunk)
        return self.parsed[chunk.start]

    def _parse(self, chunk: Chunk) -> ast.Module | None:
        # A cut inside a multi-line string shows as a syntax error: widen to the next cuts.
        ends = [chunk.end] + [c.end for c in self.chunks if c.end > chunk.end][:3]
        for end in ends:
            try:
                return ast.increment_lineno(ast.parse("".join(self.lines[chunk.start : end])), chunk.start)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
        return None

    def whole(self) -> ast.Module | None:
        # (shared with the other families' reads of the same text: see `reduce.parse_cached`)
        return parse_cached(self.text)

    def touched_chunks(self, lines: Iterable[int]) -> list[Chunk]:
        assert self.layout is not None  # (set in __post_init__)
        return self.layout.chunks_holding(lines)

    def line(self, number: int) -> str:
        return self.lines[number - 1].rstrip("\r\n") if 0 < number <= len(self.lines) else ""

    def segment(self, first: int, last: int) -> str:
        return textwrap.dedent("".join(self.lines[first - 1 : last]))

    @property
    def imports(self) -> dict[str, str]:
        """Local name -> dotted origin, from the file's top-level imports (parsed alone: cheap)."""
        if self._imports is None:
            self._imports = {}
            for chunk in self.chunks:
                head = self.lines[chunk.start].lstrip()
                if not (head.startswith("import ") or head.startswith("from ") or head.startswith("try:")):
                    continue
                if "import" not in self.chunk_text(chunk):
                    continue
                tree = self.module(chunk)
                for node in ast.walk(tree) if tree else ():
                    if isinstance(node, ast.Import):
                        for alias in node.names:
                            self._imports[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
                    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                        for alias in node.names:
                            self._imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                    elif isinstance(node, ast.ImportFrom) and node.level:
                        for alias in node.names:
                            self._imports[alias.asname or alias.name] = f".{node.module or ''}.{alias.name}"
        return self._imports

    def definition(self, name: str) -> ast.AST | None:
        """The module-level statement that defines `name` (a function, or an assignment, possibly
        inside a module-level try), parsed from its chunk only."""
        pattern = re.compile(r"^(?:(?:async\s+)?def\s+%s\b|%s\s*[:=]|\s+%s\s*=)" % ((re.escape(name),) * 3), re.MULTILINE)
        for chunk in self.chunks:
            if not pattern.search(self.chunk_text(chunk)):
                continue
            tree = self.module(chunk)
            for node in tree.body if tree else ():
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                    return node
                if isinstance(node, (ast.Assign, ast.AnnAssign, ast.Try)) and name in _written_names([node]):
                    return node
        return None


# --- small ast helpers ----------------------------------------------------------------------------


def dotted(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Call):
        return dotted(node.func)
    if isinstance(node, ast.Subscript):
        return dotted(node.value)
    if isinstance(node, ast.Await):
        return dotted(node.value)
    return None


def last(name: str | None) -> str:
    return (name or "").rsplit(".", 1)[-1]


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_LEAVES = (ast.Name, ast.Constant, ast.Load, ast.Store, ast.Del, ast.operator, ast.boolop, ast.cmpop, ast.unaryop)


def _walk_local(nodes: Iterable[ast.AST]) -> Iterable[ast.AST]:
    """Every node under `nodes` in source order, not entering nested functions, lambdas or classes."""
    stack = list(nodes)[::-1]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _LEAVES):
            continue
        children: list[ast.AST] = []
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                children.extend(v for v in value if isinstance(v, ast.AST) and not isinstance(v, _SCOPES))
            elif isinstance(value, ast.AST) and not isinstance(value, _SCOPES):
                children.append(value)
        stack.extend(reversed(children))


def _statements_local(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of `_walk_local(body)`, in the same order: blocks are entered (a handler's,
    a `match` case's too), nested functions and classes are not."""
    stack = list(body)[::-1]
    while stack:
        node = stack.pop()
        if isinstance(node, _SCOPES):
            continue
        yield node
        inner: list[ast.stmt] = []
        for name in ("body", "handlers", "orelse", "finalbody", "cases"):
            for child in getattr(node, name, None) or ():
                if isinstance(child, (ast.ExceptHandler, ast.match_case)):
                    inner.extend(child.body)
                elif isinstance(child, ast.stmt):
                    inner.append(child)
        stack.extend(reversed(inner))


def _names_read(node: ast.AST) -> set[str]:
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            name = dotted(sub)
            if name:
                found.add(name)
    return found


def _written_names(statements: Iterable[ast.AST]) -> set[str]:
    """Names a block writes: assignment targets, and containers it fills (`x.append`, `x[k] =`)."""
    names: set[str] = set()

    def target(node: ast.AST) -> None:
        if isinstance(node, (ast.Name, ast.Attribute)):
            name = dotted(node)
            if name:
                names.add(name)
        elif isinstance(node, ast.Subscript):
            target(node.value)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                target(element)
        elif isinstance(node, ast.Starred):
            target(node.value)

    for node in _walk_local(statements):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                target(t)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            target(node.target)
        elif isinstance(node, ast.NamedExpr):
            target(node.target)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"append", "extend", "add", "update", "put", "put_nowait", "insert", "appendleft", "setdefault"}:
            target(node.func.value)
    return names


def _receivers(statements: Iterable[ast.AST]) -> set[str]:
    """The objects the statements call methods on (`client` in `client.get(...)`)."""
    found = set()
    for node in _walk_local(statements):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = dotted(node.func.value)
            if name and name not in {"self", "cls"}:
                found.add(name)
    return found


def _truthy_constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value) and node.value is not Ellipsis


def _name_words(name: str | None) -> set[str]:
    return set(words(name or "")) if name else set()


# --- roles and context ------------------------------------------------------------------------


@dataclass
class Function:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    qualified: str
    role: str  # test | fixture | setup | teardown | helper | main-only
    params: set[str]

    @property
    def first_yield(self) -> int | None:
        """Fixtures: code after the first `yield` is teardown."""
        yields = [n.lineno for n in _walk_local(self.node.body) if isinstance(n, (ast.Yield, ast.YieldFrom))]
        return min(yields) if yields else None


def _is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        name = dotted(decorator) or ""
        if last(name) in {"fixture", "yield_fixture"} or name.endswith("fixture"):
            return True
    return False


def _role(node: ast.FunctionDef | ast.AsyncFunctionDef, in_class: str | None) -> str:
    name = node.name
    if _is_fixture(node):
        return "fixture"
    if name.startswith("test"):
        return "test"
    if name in _SETUP_NAMES:
        return "setup"
    if name in _TEARDOWN_NAMES or set(words(name)) & _TEARDOWN_WORDS:
        return "teardown"
    return "helper"


def _functions(tree: ast.Module) -> Iterable[Function]:
    """Every function of a parsed chunk with its role; code under `if __name__ == "__main__"` is not
    walked (it runs only as a script)."""

    def visit(body: list[ast.stmt], prefix: str, in_class: str | None, parent_role: str | None) -> Iterable[Function]:
        for node in body:
            if isinstance(node, ast.If) and _is_main_guard(node.test):
                continue
            if isinstance(node, ast.ClassDef):
                yield from visit(node.body, f"{prefix}{node.name}.", node.name, parent_role)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                role = _role(node, in_class)
                if parent_role in ("test", "fixture", "setup") and role == "helper":
                    role = parent_role  # a nested function runs as part of its test
                if parent_role == "teardown":
                    role = "teardown"
                args = node.args
                params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)} - {"self", "cls"}
                yield Function(node, f"{prefix}{node.name}", role, params)
                yield from visit(node.body, f"{prefix}{node.name}.", in_class, role)
            elif isinstance(node, (ast.If, ast.Try, ast.With, ast.AsyncWith)):
                # functions defined under module-level conditions or guards
                for part in ("body", "orelse", "finalbody"):
                    yield from visit(getattr(node, part, []) or [], prefix, in_class, parent_role)
                for handler in getattr(node, "handlers", []) or []:
                    yield from visit(handler.body, prefix, in_class, parent_role)

    yield from visit(tree.body, "", None, None)


def _is_main_guard(test: ast.AST) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _main_only_functions(source: Source) -> set[str]:
    """Functions called from `if __name__ == "__main__"` and from nowhere else in the file."""
    guard = re.compile(r"^if\s+__name__\s*==", re.MULTILINE)
    called_in_main: set[str] = set()
    for chunk in source.chunks:
        if guard.match(source.lines[chunk.start]):
            tree = source.module(chunk)
            for node in ast.walk(tree) if tree else ():
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                    called_in_main.add(node.func.id)
    only = set()
    for name in called_in_main:
        uses = len(re.findall(r"\b%s\b" % re.escape(name), source.text))
        definitions = len(re.findall(r"\bdef\s+%s\b" % re.escape(name), source.text))
        if uses - definitions <= 1:  # the one call under the guard
            only.add(name)
    return only


class FunctionContext:
    """What the rules ask about one function: its statements by position, parents, loops."""

    def __init__(self, function: Function, source: Source):
        self.function = function
        self.source = source
        self._parents: dict[int, ast.AST] | None = None
        self._nodes: list[ast.AST] | None = None

    @property
    def nodes(self) -> list[ast.AST]:
        if self._nodes is None:
            self._nodes = list(_walk_local(self.function.node.body))
        return self._nodes

    @property
    def parents(self) -> dict[int, ast.AST]:
        if self._parents is None:
            self._parents = {}
            for node in _walk_local([self.function.node]):
                for child in ast.iter_child_nodes(node):
                    self._parents[id(child)] = node
        return self._parents

    def ancestors(self, node: ast.AST) -> Iterable[ast.AST]:
        current = self.parents.get(id(node))
        while current is not None:
            yield current
            current = self.parents.get(id(current))

    def in_finally(self, node: ast.AST) -> bool:
        child = node
        for parent in self.ancestors(node):
            if isinstance(parent, ast.Try) and any(child is s for s in parent.finalbody):
                return True
            child = parent
        return False

    def enclosing_loop(self, node: ast.AST) -> ast.For | ast.AsyncFor | ast.While | None:
        for parent in self.ancestors(node):
            if isinstance(parent, (ast.For, ast.AsyncFor, ast.While)):
                return parent
        return None

    def statements_after(self, node: ast.AST) -> list[ast.AST]:
        """Every node of the function that starts after `node` ends (what runs afterwards)."""
        end = getattr(node, "end_lineno", None) or _first_line(node)
        return [n for n in self.nodes if getattr(n, "lineno", 0) > end]

    def statements_before(self, node: ast.AST) -> list[ast.AST]:
        return [n for n in self.nodes if getattr(n, "end_lineno", 10**9) < _first_line(node)]


def _first_line(node: ast.AST) -> int:
    """A statement's or expression's first line (the nodes this module places are one or the other)."""
    return node.lineno if isinstance(node, (ast.stmt, ast.expr)) else 0


# --- I/O, probes and substitutes ----------------------------------------------------------------


def _origin(name: str, source: Source) -> str:
    """A dotted call name with its first part replaced by what it was imported as."""
    first, _, rest = name.partition(".")
    imported = source.imports.get(first)
    if imported is None:
        return name
    return f"{imported}.{rest}" if rest else imported


# Libraries whose calls compute in the process: not a service, not the system under test.
_LOCAL_LIBRARIES = {
    "pytest", "pytest_asyncio", "anyio", "hypothesis", "numpy", "np", "pandas", "pd", "attr", "attrs",
    "pydantic", "rich", "click", "tests", "conftest", "torch", "tensorflow", "jax", "sklearn", "scipy",
    "PIL", "matplotlib", "polars", "pyarrow", "dateutil", "pytz", "jinja2", "markdown", "bs4", "lxml",
    "jsonschema", "msgpack", "orjson", "ujson", "cryptography", "jwt", "faker", "freezegun", "tqdm",
}
_ADDRESS_WORDS = {"url", "uri", "host", "hostname", "port", "endpoint", "dsn", "address", "addr"}


def _is_project_module(module: str) -> bool:
    top = module.lstrip(".").split(".")[0]
    if module.startswith("."):
        return True
    if not top or top in sys.stdlib_module_names or top in _PURE_MODULES or top in _IO_MODULES:
        return False
    return top not in _LOCAL_LIBRARIES


def io_call(call: ast.Call, source: Source, function: Function | None, awaited: bool = False) -> str | None:
    """The name of the service call this is, or None when it is local work."""
    name = dotted(call.func)
    if name is None:
        return "call" if awaited else None
    method = last(name)
    if method in _CLEANUP_CALLS:
        return None
    origin = _origin(name, source)
    top = origin.lstrip(".").split(".")[0]
    if origin.split(".")[0] in {"asyncio", "anyio"} and method in {"open_connection", "wait_for", "create_connection", "open_tcp_stream", "connect_tcp"}:
        return name if method != "wait_for" else _wait_for_target(call, source, function) or name
    if method in _PURE_CALLS or (top in _PURE_MODULES and top not in _IO_MODULES):
        return None
    if top in _IO_MODULES:
        return name
    if name != origin and _is_project_module(origin.rsplit(".", 1)[0] if "." in origin else origin):
        return name  # a function or class imported from the project: the system under test
    if method in _IO_METHODS:
        return name
    receiver = name.rsplit(".", 1)[0] if "." in name else ""
    receiver_words = _name_words(receiver)
    if method in _IO_ON_CLIENT and receiver_words & _CLIENT_WORDS:
        return name
    if function is not None and function.role in ("test", "fixture", "setup") and receiver.split(".")[0] in function.params and method not in _IO_ON_CLIENT | _PURE_CALLS:
        return name  # a method of a fixture the test asked for: the system under test
    if awaited:
        return name
    if _name_words(method) & (_CLIENT_WORDS | {"connect", "send", "fetch", "request", "publish", "query"}):
        return name
    # Handed an address (`session.get(url)`, `probe(host, port)`): it talks to something.
    arguments = [*call.args, *(k.value for k in call.keywords)]
    if any(_name_words(dotted(a) or "") & _ADDRESS_WORDS for a in arguments if isinstance(a, (ast.Name, ast.Attribute))):
        return name
    return None


def _wait_for_target(call: ast.Call, source: Source, function: Function | None) -> str | None:
    if call.args and isinstance(call.args[0], ast.Call):
        return io_call(call.args[0], source, function, awaited=True)
    return None


def io_calls(statements: Sequence[ast.stmt], source: Source, function: Function | None) -> list[str]:
    awaited = {id(n.value) for n in _walk_local(statements) if isinstance(n, ast.Await)}
    found, asynchronous = [], []
    for node in _walk_local(statements):
        if isinstance(node, ast.Call):
            name = io_call(node, source, function, awaited=id(node) in awaited)
            if name:
                found.append(name)
        elif isinstance(node, (ast.AsyncWith, ast.AsyncFor)):
            asynchronous.append("async " + ("with" if isinstance(node, ast.AsyncWith) else "for"))
    return found or asynchronous


def service_of(names: Iterable[str], extra: Iterable[str] = ()) -> str:
    pieces: list[str] = []
    for name in (*names, *extra):
        pieces.extend(words(name))
    category = category_of_words(pieces) or "generic"
    return SERVICE_NOUNS.get(category, "the service")


def is_substitute(value: ast.AST | None, source: Source, target_name: str | None = None) -> str | None:
    """Why a value put in place of the real result is a stand-in, or None."""
    if value is None:
        return None
    for node in ast.walk(value):
        if isinstance(node, ast.Call):
            name = dotted(node.func) or ""
            if last(name) in _MOCK_CLASSES or _origin(name, source).startswith(("unittest.mock", "mock.")):
                return f"a mock (`{last(name)}()`)"
            if _name_words(name) & _SUBSTITUTE_WORDS:
                return f"a stand-in built by `{name}()`"
        elif isinstance(node, ast.Name) and _name_words(node.id) & _SUBSTITUTE_WORDS:
            return f"a stand-in (`{node.id}`)"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if set(words(node.value)) & _SUBSTITUTE_WORDS or ("test" in node.value.lower() and "token" in node.value.lower()):
                return f"a made-up value ({node.value[:30]!r})"
    if isinstance(value, (ast.Dict, ast.List, ast.Set, ast.Tuple)) and (getattr(value, "elts", None) or getattr(value, "keys", None)):
        if not _mentions_error(value):
            return "made-up results"
    if isinstance(value, ast.Constant) and isinstance(value.value, str) and target_name and _name_words(target_name) & {"token", "key", "secret", "password", "jwt"}:
        return f"a made-up {target_name}"
    return None


def _mentions_error(node: ast.AST, error_name: str | None = None) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and (sub.id == error_name or sub.id in {"e", "exc", "err", "error", "ex", "exception"}):
            return True
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and set(words(sub.value)) & _FAILURE_FLAG_WORDS:
            return True
    return False


def is_success_value(value: ast.AST | None, error_name: str | None) -> bool:
    """A value that says "it worked" when it did not: True, "ok", {"status": "ok"}, a non-empty
    literal not built from the error."""
    if value is None:
        return False
    if isinstance(value, ast.Constant):
        if value.value is True:
            return True
        if isinstance(value.value, str) and set(words(value.value)) & _SUCCESS_WORDS:
            return True
        if isinstance(value.value, int) and not isinstance(value.value, bool) and value.value in (200, 201, 204):
            return True
        return False
    if isinstance(value, ast.Dict):
        if _mentions_error(value, error_name):
            return False
        return bool(value.keys)
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        return bool(value.elts) and not _mentions_error(value, error_name)
    return False


def is_probe(condition: ast.AST, source: Source, context: FunctionContext | None, helpers: Mapping[str, Found], depth: int = 0) -> str | None:
    """The live probe a condition asks ("`service_available()`"), or None when it reads
    configuration (an environment switch, credentials, a tool on PATH) or nothing live."""
    if depth > 2:
        return None
    names = _names_read(condition)
    if any(_name_words(n) & {"environ", "getenv", "platform", "version_info", "which", "find_spec"} for n in names):
        return None
    for node in ast.walk(condition):
        if isinstance(node, ast.Call):
            name = dotted(node.func) or ""
            if last(name) in helpers:
                return f"`{name}()`"
            pieces = _name_words(name)
            if pieces & _CONFIG_WORDS and not pieces & {"connect", "ping", "health", "reachable", "available"}:
                continue
            if pieces & _PROBE_WORDS or io_call(node, source, context.function if context else None):
                return f"`{name}()`"
            if "." not in name:
                definition = source.definition(name)
                if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_status_function(definition, source):
                    return f"`{name}()`"
    for name in names:
        if "." in name:
            continue
        value = _assigned_value(name, condition, source, context)
        if value is _FLAG_FROM_HANDLER:
            return f"`{name}` (set when the connection fails)"
        if isinstance(value, ast.AST) and not isinstance(value, ast.Constant):
            probe = is_probe(value, source, context, helpers, depth + 1)
            if probe:
                return probe
    return None


_FLAG_FROM_HANDLER = object()


def _assigned_value(name: str, near: ast.AST, source: Source, context: FunctionContext | None) -> object:
    """What `name` was last set to before `near` in the function, else at module level; the marker
    `_FLAG_FROM_HANDLER` when a connection handler sets it."""
    scopes: list[list[ast.AST]] = []
    if context is not None:
        scopes.append(context.statements_before(near))
    definition = source.definition(name)
    if definition is not None:
        scopes.append(list(_walk_local([definition])))
    for nodes in scopes:
        for node in reversed(nodes):
            if isinstance(node, ast.ExceptHandler) and name in _written_names(node.body) and _catches_connection(node):
                return _FLAG_FROM_HANDLER
        for node in reversed(nodes):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                return node.value
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
                return node.value
    return None


def _is_status_function(node: ast.FunctionDef | ast.AsyncFunctionDef, source: Source) -> bool:
    """A function that answers "is it up?": a connection handler returning a status, or a
    connection attempt returned as a boolean."""
    for sub in _walk_local(node.body):
        if isinstance(sub, ast.ExceptHandler) and _catches_connection(sub):
            if any(isinstance(s, ast.Return) for s in _walk_local(sub.body)):
                return True
    return False


def _caught(handler: ast.ExceptHandler) -> list[str]:
    if handler.type is None:
        return ["BaseException"]
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return [dotted(t) or "?" for t in types]


def _catches_connection(handler: ast.ExceptHandler) -> bool:
    return any(last(name) in _BROAD or last(name) in _CONNECTION_NAMES for name in _caught(handler))


def _only_timeouts(handler: ast.ExceptHandler) -> bool:
    return all(last(name) in _TIMEOUT_NAMES for name in _caught(handler))


def _except_text(handler: ast.ExceptHandler) -> str:
    if handler.type is None:
        return "a bare `except`"
    names = _caught(handler)
    return f"`except {names[0] if len(names) == 1 else '(' + ', '.join(names) + ')'}`"


# --- the rules ----------------------------------------------------------------------------------


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Expr):
        node = node.value
    if isinstance(node, ast.Await):
        node = node.value
    if isinstance(node, ast.Call):
        return dotted(node.func)
    return None


def _is_skip(node: ast.AST, source: Source) -> bool:
    name = _call_name(node)
    if name is not None and isinstance(node, (ast.Expr, ast.Call)):
        origin = _origin(name, source)
        if name in _SKIP_CALLS - {"pytest.importorskip"} or origin in {"pytest.skip", "pytest.xfail"} or name.endswith(".skipTest"):
            return True
    if isinstance(node, ast.Raise) and node.exc is not None:
        raised = dotted(node.exc) or ""
        if raised in _SKIP_EXCEPTIONS or last(raised) == "SkipTest" or raised.endswith("skip.Exception"):
            return True
    return False


def _is_fail(node: ast.AST, source: Source) -> bool:
    if isinstance(node, ast.Raise):
        return not _is_skip(node, source)
    if isinstance(node, ast.Assert):
        return not _truthy_constant(node.test)
    name = _call_name(node)
    if name is None:
        return False
    if name in _FAIL_CALLS or _origin(name, source) == "pytest.fail":
        return True
    return bool(re.match(r"self\.assert[A-Z]", name)) or last(name).startswith("assert_")


class Analysis:
    """The MG3xx sites of one version of one file, on given lines."""

    def __init__(self, source: Source, wanted: frozenset[int], helpers: dict[str, Found]):
        self.source = source
        self.wanted = wanted
        self.helpers = helpers  # status helpers found so far in the change, by name
        self.found: list[Found] = []
        self._contexts: list[FunctionContext] = []  # the functions read: their calls are read on demand
        self._calls: list[tuple[str, ast.Call, FunctionContext]] | None = None
        self._passed: set[str] | None = None

    @property
    def calls(self) -> list[tuple[str, ast.Call, FunctionContext]]:
        """Every call in the functions read (by the last part of its name), for MG305's callers."""
        if self._calls is None:
            self._read_calls()
        assert self._calls is not None
        return self._calls

    @property
    def passed(self) -> set[str]:
        """Functions handed to another call (`wait_until(self._up)`)."""
        if self._passed is None:
            self._read_calls()
        assert self._passed is not None
        return self._passed

    def _read_calls(self) -> None:
        # Read only when the change has a status helper (MG305): walking every expression of every
        # function read is most of this pass's time on a big change, and usually no one asks.
        self._calls, self._passed = [], set()
        for context in self._contexts:
            for node in context.nodes:
                if not isinstance(node, ast.Call):
                    continue
                name = dotted(node.func)
                if name:
                    self._calls.append((last(name), node, context))
                for argument in [*node.args, *(k.value for k in node.keywords)]:
                    if isinstance(argument, ast.Lambda):
                        argument = argument.body.func if isinstance(argument.body, ast.Call) else argument.body
                    if isinstance(argument, (ast.Name, ast.Attribute)):
                        self._passed.add(last(dotted(argument)))

    def run(self) -> None:
        chunks = [c for c in self.source.touched_chunks(self.wanted) if _TRIGGER.search(self.source.chunk_text(c))]
        if not chunks:
            return
        main_only = _main_only_functions(self.source) if "__main__" in self.source.text else set()
        # Many touched statements (a new file): one parse of the whole file is cheaper than many.
        whole = self.source.whole() if len(chunks) > 3 else None
        for tree in [whole] if whole is not None else (self.source.module(c) for c in chunks):
            if tree is None:
                continue
            self._module_level(tree)
            for function in _functions(tree):
                node = function.node
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                if function.node.name in main_only or not self._touches(first, node.end_lineno or node.lineno):
                    continue  # a function the change does not touch holds no new site
                self._function(function)

    # module level: `pytestmark = pytest.mark.skipif(probe, ...)`, `if not probe(): pytest.skip(..., allow_module_level=True)`
    def _module_level(self, tree: ast.Module) -> None:
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
                for call in ast.walk(node.value):
                    if isinstance(call, ast.Call):
                        self._marker(call, None, "module")
            elif isinstance(node, ast.ClassDef):
                for decorator in node.decorator_list:
                    self._marker(decorator, node.name, "test")
            elif isinstance(node, ast.If) and not _is_main_guard(node.test):
                self._probe_skip(node, None, "module", None)

    def _function(self, function: Function) -> None:
        context = FunctionContext(function, self.source)
        for decorator in function.node.decorator_list:
            self._marker(decorator, function.qualified, function.role)
        self._contexts.append(context)
        # Every rule here starts at a statement (a `try`, an `if`, an `assert`, a call on its own):
        # statements only, in the order `context.nodes` has them, without entering expressions.
        for node in _statements_local(function.node.body):
            if isinstance(node, (ast.Try, ast.TryStar)):
                for handler in node.handlers:
                    self._handler(node, handler, context)
            elif isinstance(node, ast.If):
                self._probe_skip(node, function.qualified, function.role, context)
            elif isinstance(node, ast.Assert):
                self._assertion(node, context)
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                self._unittest_assertion(node, context)

    def _touches(self, first: int, last_line: int) -> bool:
        return any(n in self.wanted for n in range(first, last_line + 1))

    def _add(self, found: Found) -> None:
        if self._touches(*found.span):
            self.found.append(found)

    # MG303 -------------------------------------------------------------------------------
    def _marker(self, decorator: ast.AST, test: str | None, role: str) -> None:
        if not isinstance(decorator, ast.Call):
            return
        name = dotted(decorator.func) or ""
        if last(name) not in _SKIPIF_MARKERS or not decorator.args:
            return
        if last(name) == "xfail" and not decorator.args:
            return
        probe = is_probe(decorator.args[0], self.source, None, self.helpers)
        if probe is None:
            return
        self._add(
            Found(
                rule="MG303",
                construct="skipif-live-probe",
                line=decorator.lineno,
                span=(decorator.lineno, decorator.end_lineno or decorator.lineno),
                code=self.source.segment(decorator.lineno, decorator.end_lineno or decorator.lineno),
                test=test,
                role=role,
                what=f"the `{last(name)}` condition probes it ({probe})",
                target=probe.strip("`").rstrip("()") or None,
                service=service_of([probe], [test or ""]),
            )
        )

    # MG302 after a probe ----------------------------------------------------------------------
    def _probe_skip(self, node: ast.If, test: str | None, role: str, context: FunctionContext | None) -> None:
        if role in ("teardown", "helper") and not (role == "helper" and any(_is_skip(s, self.source) for s in node.body)):
            return
        skips = [s for s in node.body if _is_skip(s, self.source) or (role == "test" and isinstance(s, ast.Return) and s.value is None)]
        if not skips:
            return
        probe = is_probe(node.test, self.source, context, self.helpers)
        if probe is None:
            return
        skip = skips[0]
        self._add(
            Found(
                rule="MG302",
                construct="skip-after-probe",
                line=skip.lineno,
                span=(node.lineno, skip.end_lineno or skip.lineno),
                code=self.source.segment(skip.lineno, skip.end_lineno or skip.lineno),
                test=test,
                role=role,
                what=f"{_skip_words(skip)} when {probe} says it is down",
                target=probe.strip("`").rstrip("()") or None,
                service=service_of([probe], [test or ""]),
            )
        )

    # MG301, MG302 in a handler, MG305 ------------------------------------------------------------
    def _handler(self, try_node: ast.Try | ast.TryStar, handler: ast.ExceptHandler, context: FunctionContext) -> None:
        function = context.function
        if function.role == "teardown" or context.in_finally(try_node):
            return
        if function.first_yield is not None and function.role == "fixture" and try_node.lineno > function.first_yield:
            return  # fixture teardown
        if not _catches_connection(handler):
            return
        calls = io_calls(try_node.body, self.source, function)
        if not calls:
            return  # local parsing, in-memory objects, imports, cleanup only
        if any(isinstance(n, ast.Raise) for n in _walk_local(try_node.body)):
            return  # the test injects the error itself (and asserts the rollback, or not: its choice)
        service = service_of(calls, [function.qualified])
        target = calls[0]
        span = (handler.lineno, handler.end_lineno or handler.lineno)
        code = self.source.segment(*span)
        base = _Where(test=function.qualified, role=function.role, target=target, service=service, code=code)

        body = list(_walk_local(handler.body))
        if any(_is_fail(n, self.source) for n in body):
            return
        skips = [n for n in body if isinstance(n, ast.stmt) and _is_skip(n, self.source)]
        returns = [n for n in body if isinstance(n, ast.Return)]
        if skips or (returns and function.role == "test"):
            skip = (skips or returns)[0]
            at_skip = base.copy()
            at_skip["code"] = self.source.segment(skip.lineno, skip.end_lineno or skip.lineno)
            self._add(Found(rule="MG302", construct="skip-on-connection-error", line=skip.lineno, span=(handler.lineno, skip.end_lineno or skip.lineno), what=f"{_skip_words(skip)} when `{target}` fails", **at_skip))
            return
        error_name = handler.name
        # A substitute: whatever is put in place of the real thing, recorded or not.
        for node in body:
            value, name = None, None
            if isinstance(node, ast.Assign):
                value, name = node.value, dotted(node.targets[0])
            elif isinstance(node, ast.AnnAssign):
                value, name = node.value, dotted(node.target)
            elif isinstance(node, (ast.Yield, ast.Return)) and function.role in ("fixture", "setup", "test"):
                value = node.value
            why = is_substitute(value, self.source, name)
            if why is None and isinstance(node, ast.Yield) and (node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is None)):
                why = "`None` in place of the connection"
            if why is not None:
                self._add(Found(rule="MG301", construct="substitute-on-connection-error", line=handler.lineno, span=span, what=f"swaps in {why} for `{target}`", **base))
                return
        if function.role == "helper":
            self._status_helper(handler, returns, function, span, base, error_name)
            return
        written = _written_names(handler.body)
        if written and self._asserted_after(try_node, written, context):
            return
        # What the guarded code produced is asserted afterwards: when the service is down that
        # assertion fails (a name never bound, a state never reached), so the test still can.
        if self._asserted_after(try_node, _written_names(try_node.body) | _receivers(try_node.body), context):
            return
        if self._used_after(try_node, _receivers(try_node.body), context) or self._outcome_asserted_after(try_node, context):
            return
        if written and self._skipped_after(try_node, written, context):
            return  # the skip that reads the flag is the site
        loop = context.enclosing_loop(try_node)
        if loop is not None and self._loop_checked(loop, context):
            return
        self._add(Found(rule="MG301", construct="swallowed-connection-error", line=handler.lineno, span=span, what=f"{_except_text(handler)} around `{target}` {_swallow_words(handler)}", **base))

    def _status_helper(self, handler: ast.ExceptHandler, returns: list[ast.Return], function: Function, span: tuple[int, int], base: _Where, error_name: str | None) -> None:
        value = returns[0].value if returns else None
        in_handler = {id(r) for r in returns}
        others = [r.value for r in _walk_local(function.node.body) if isinstance(r, ast.Return) and id(r) not in in_handler]
        # `return True` on a refused connection in a function that otherwise returns False
        # answers a yes/no question ("does it refuse?"): a status, not a made-up success.
        answers = isinstance(value, ast.Constant) and isinstance(value.value, bool) and any(
            isinstance(o, ast.Constant) and o.value is (not value.value) for o in others)
        if returns and value is not None and is_success_value(value, error_name) and not answers:
            self._add(Found(rule="MG305", construct="made-up-success", line=handler.lineno, span=span, what=f"`{function.node.name}()` returns a made-up success (`{ast.unparse(value)}`) when `{base['target']}` fails", helper=function.node.name, **base))
            return
        said = f"`{ast.unparse(value)}`" if value is not None else "`None`"
        found = Found(rule="MG305", construct="unchecked-status", line=handler.lineno, span=span, what=f"`{function.node.name}()` turns a failure of `{base['target']}` into {said}", helper=function.node.name, pending=True, **base)
        self.helpers.setdefault(function.node.name, found)
        self._add(found)

    def _asserted_after(self, try_node: ast.Try | ast.TryStar, written: set[str], context: FunctionContext) -> bool:
        for node in context.statements_after(try_node):
            if isinstance(node, ast.Assert) and _names_read(node.test) & written:
                return True
            if isinstance(node, ast.If) and _names_read(node.test) & written and any(_is_fail(s, self.source) for s in _walk_local(node.body + node.orelse)):
                return True
            if isinstance(node, ast.Expr) and _is_fail(node, self.source) and _names_read(node) & written:
                return True
        return False

    def _used_after(self, try_node: ast.Try | ast.TryStar, receivers: set[str], context: FunctionContext) -> bool:
        """The same service is called again, unguarded, after the handler: if it is down, that
        call fails the test."""
        guarded = {id(n) for t in context.statements_after(try_node) if isinstance(t, ast.Try) for n in _walk_local(t.body)}
        for node in context.statements_after(try_node):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and id(node) not in guarded:
                if dotted(node.func.value) in receivers and node.func.attr not in _CLEANUP_CALLS and io_call(node, self.source, context.function):
                    return True
        return False

    def _outcome_asserted_after(self, try_node: ast.Try | ast.TryStar, context: FunctionContext) -> bool:
        """After the handler the test fetches what happened (a call that is not local work) and
        asserts it: the test still ends on a live check that fails when the service is down."""
        fetched: set[str] = set()
        for node in context.statements_after(try_node):
            if isinstance(node, ast.Assign) and self._fetches(node.value):
                fetched |= _written_names([node])
            elif isinstance(node, ast.Assert) and (_names_read(node.test) & fetched or self._fetches(node.test)):
                return True
            elif isinstance(node, ast.Expr) and _is_check_call(node.value):
                return True  # `ensure_row_written(...)`, `assert_delivered(...)`: a checking helper
        return False

    def _fetches(self, node: ast.AST) -> bool:
        return any(isinstance(n, ast.Call) and last(dotted(n.func)) not in _PURE_CALLS | {"len", "isinstance"} and dotted(n.func) is not None for n in ast.walk(node))

    def _skipped_after(self, try_node: ast.Try | ast.TryStar, written: set[str], context: FunctionContext) -> bool:
        for node in context.statements_after(try_node):
            if isinstance(node, ast.If) and _names_read(node.test) & written and any(_is_skip(s, self.source) or isinstance(s, ast.Return) for s in node.body):
                return True
        return False

    def _loop_checked(self, loop: ast.For | ast.AsyncFor | ast.While, context: FunctionContext) -> bool:
        """A loop that retries, polls or collects is fine when what it produced is checked after
        it (or its `else` fails): the error it swallowed ends one attempt, not the test."""
        if any(_is_fail(n, self.source) for n in _walk_local(loop.orelse)):
            return True
        written = _written_names(loop.body)
        for node in context.statements_after(loop):
            if isinstance(node, ast.Assert) and (_names_read(node.test) & written):
                return True
            if isinstance(node, (ast.Raise,)) or (isinstance(node, ast.Expr) and _is_fail(node, self.source)):
                return True
        return False

    # MG304 ---------------------------------------------------------------------------------------
    def _assertion(self, node: ast.Assert, context: FunctionContext) -> None:
        why = self._always_true(node.test, node, context)
        if why is None:
            return
        span = (node.lineno, node.end_lineno or node.lineno)
        self._add(Found(rule="MG304", construct="assertion-cannot-fail", line=node.lineno, span=span, code=self.source.segment(*span), test=context.function.qualified, role=context.function.role, what=why, target=None, service="the service"))

    def _unittest_assertion(self, node: ast.Expr, context: FunctionContext) -> None:
        call = node.value
        assert isinstance(call, ast.Call)
        name = dotted(call.func) or ""
        why = None
        if name in {"self.assertTrue", "self.assert_"} and call.args and _truthy_constant(call.args[0]):
            why = f"`{name}({ast.unparse(call.args[0])})` holds whatever happened"
        elif name == "self.assertGreaterEqual" and len(call.args) == 2 and _is_count(call.args[0]) and _is_zero(call.args[1]):
            why = f"`{ast.unparse(call.args[0])}` is never negative"
        if why:
            span = (node.lineno, node.end_lineno or node.lineno)
            self._add(Found(rule="MG304", construct="assertion-cannot-fail", line=node.lineno, span=span, code=self.source.segment(*span), test=context.function.qualified, role=context.function.role, what=why, target=None, service="the service"))

    def _always_true(self, test: ast.AST, node: ast.Assert, context: FunctionContext) -> str | None:
        if _truthy_constant(test):
            return f"`assert {ast.unparse(test)}` holds whatever happened"
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
            for value in test.values:
                if _truthy_constant(value):
                    return f"`or {ast.unparse(value)}` makes it hold whatever happened"
                if self._always_true(value, node, context):
                    return f"its alternative `{ast.unparse(value)}` always holds"
            before = [n for n in context.statements_before(node) if isinstance(n, ast.Assert)]
            earlier = {ast.dump(n.test) for n in before}
            for value in test.values:
                if ast.dump(value) in earlier:
                    return f"its alternative `{ast.unparse(value)}` was asserted just before"
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left, op, right = test.left, test.ops[0], test.comparators[0]
            if isinstance(op, ast.GtE) and _is_count(left) and _is_zero(right):
                return f"`{ast.unparse(left)}` is never negative"
            if isinstance(op, ast.LtE) and _is_zero(left) and _is_count(right):
                return f"`{ast.unparse(right)}` is never negative"
            if isinstance(op, ast.Gt) and _is_count(left) and isinstance(right, ast.UnaryOp) and isinstance(right.op, ast.USub) and isinstance(right.operand, ast.Constant) and right.operand.value == 1:
                return f"`{ast.unparse(left)}` is never negative"
        return None


def _is_zero(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == 0 and not isinstance(node.value, bool)


def _is_count(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        name = dotted(node.func) or ""
        return name == "len" or last(name) in {"count", "count_documents", "qsize", "llen", "scard", "zcard", "dbsize"}
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return bool(set(words(node.slice.value)) & {"count", "total", "length", "size", "num"})
    name = dotted(node) or ""
    return bool(name) and bool(set(words(last(name))) & {"count", "total", "length", "num", "size", "len"}) and not set(words(last(name))) & {"delta", "diff", "change", "balance", "offset"}


_CHECK_WORDS = {"assert", "ensure", "check", "verify", "expect", "validate", "wait"}


def _is_check_call(node: ast.AST) -> bool:
    if isinstance(node, ast.Await):
        node = node.value
    if not isinstance(node, ast.Call):
        return False
    pieces = words(last(dotted(node.func)))
    return bool(pieces) and pieces[0] in _CHECK_WORDS


def _skip_words(node: ast.AST) -> str:
    name = _call_name(node) or ""
    if isinstance(node, ast.Return):
        return "the test returns early"
    if isinstance(node, ast.Raise):
        return f"`raise {dotted(node.exc) or 'SkipTest'}` skips it"
    if "xfail" in name:
        return f"`{name}` marks it as an expected failure"
    return f"`{name}` skips it"


def _swallow_words(handler: ast.ExceptHandler) -> str:
    kinds = []
    for node in handler.body:
        name = _call_name(node) or ""
        if isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            kinds.append("does nothing")
        elif last(name) == "print":
            kinds.append("prints the error")
        elif re.search(r"(^|\.)(log|logger|logging|warn|warning|info|debug|error|exception)(\.|$)", name) or last(name) in {"warn", "warning", "info", "debug", "error", "exception", "critical"}:
            kinds.append("logs the error")
        elif isinstance(node, ast.Continue):
            kinds.append("moves on to the next item")
        elif isinstance(node, ast.Break):
            kinds.append("leaves the loop")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) or (name and last(name) in {"append", "add", "extend"}):
            kinds.append("records it where nothing asserts it")
    kinds = list(dict.fromkeys(kinds)) or ["carries on"]
    return "only " + " and ".join(kinds[:2])


# --- from sites to findings -------------------------------------------------------------------------


def _site(found: Found, source: Source, added: frozenset[int]) -> Site:
    """A `Site` on an added line: the site's own line when the change adds it, else its first
    added line (a handler whose body changed from `raise` to `pass`)."""
    line = found.line if found.line in added else min((n for n in range(found.span[0], found.span[1] + 1) if n in added), default=found.line)
    text = source.line(line)
    return Site(
        rule=found.rule,
        construct=found.construct,
        line=line,
        column=len(text) - len(text.lstrip()) + 1,
        end_line=found.span[1],
        target=found.target,
        library=LIBRARY,
        exact_key=f"{KINDS[found.rule]}:{normalise_code(found.code)}",
        component_key=f"{KINDS[found.rule]}:{found.test}",
        hints=(found.what, found.service, found.role),
        enclosing_test=found.test,
    )


class CannotFailResult(NamedTuple):
    findings: list[Finding]
    suppressed: list[Finding]


def _is_test_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def is_test_code(path: str, test_folders: set[str]) -> bool:
    """Tests and their support code; production code in a folder the gate selects (a product
    module named `*_integration/`) is not: a handler there is the product's own business. Support
    code is a module under a folder named like tests (`tests`, `testing`, `e2e`, ...) or next to a
    test file of the change."""
    if _is_test_file(path):
        return True
    folders = path.split("/")[:-1]
    if any("test" in folder.lower() or "e2e" in folder.lower() for folder in folders):
        return True
    return "/".join(folders) in test_folders


def find_cannot_fail(selected: Sequence[FileChange], changes: Sequence[FileChange], templates: Mapping[str, Template]) -> CannotFailResult:
    """The new MG3xx findings of a change's gated files (`selected`); the other files of the
    change serve only to see sites that moved in from them."""
    found = CannotFailPass(selected)
    for change in selected:
        found.read(change)
    return found.finish(changes, templates)


class CannotFailPass:
    """`find_cannot_fail` one file at a time: `read` each gated file (in any order, interleaved
    with the other families so that a file's `ast` parse is shared), then `finish` once."""

    def __init__(self, selected: Sequence[FileChange]) -> None:
        self.helpers: dict[str, Found] = {}
        self.heads: list[tuple[FileChange, Source, Analysis]] = []
        self.test_folders = {c.path.rsplit("/", 1)[0] if "/" in c.path else "" for c in selected if _is_test_file(c.path)}

    def read(self, change: FileChange, layout: Layout | None = None) -> None:
        """`layout`: the head's first-look layout, when the caller has it already."""
        if not change.head_text or not change.added_lines or not is_test_code(change.path, self.test_folders):
            return
        source = Source(change.path, change.head_text, layout=layout)
        analysis = Analysis(source, change.added_lines, self.helpers)
        analysis.run()
        self.heads.append((change, source, analysis))

    def finish(self, changes: Sequence[FileChange], templates: Mapping[str, Template]) -> CannotFailResult:
        heads, helpers = self.heads, self.helpers
        if not any(a.found for _, _, a in heads):
            return CannotFailResult([], [])

        # MG305: a status helper is a site when no caller the change shows asserts what it returns.
        checked = {name for _, _, analysis in heads for name, call, context in analysis.calls if name in helpers and _caller_asserts(call, context)}
        # A helper handed to another function (a wait-until loop, a retry) is judged by that function.
        checked |= {name for _, _, analysis in heads for name in analysis.passed}

        fresh_by_file: list[tuple[FileChange, Source, list[Site]]] = []
        leftovers: list[Site] = []
        for change, source, analysis in heads:
            found = [f for f in analysis.found if not (f.pending and f.helper in checked)]
            if not found:
                continue
            head_sites = [_site(f, source, change.added_lines) for f in found]
            base_sites: list[Site] = []
            if change.base_text and change.deleted_lines:
                base_sites = _base_sites(change.base_path or change.path, change.base_text, change.deleted_lines)
            fresh, left = new_sites(head_sites, base_sites)
            leftovers.extend(left)
            fresh_by_file.append((change, source, fresh))

        # A test moved in from another file of the change brings its sites along.
        chosen = {id(c) for c, _, _ in fresh_by_file}
        for change in changes:
            if id(change) not in chosen and change.base_text and change.deleted_lines and change.path.endswith(".py"):
                base_lines = source_lines(change.base_text)
                if any(_TRIGGER.search(base_lines[n - 1]) for n in change.deleted_lines if 0 < n <= len(base_lines)):
                    leftovers.extend(_base_sites(change.base_path or change.path, change.base_text, change.deleted_lines))
        result = CannotFailResult([], [])
        for change, source, fresh in fresh_by_file:
            fresh, leftovers = moved_between_files(fresh, leftovers)
            fresh, leftovers = _pair_by_test(fresh, leftovers)
            _report(change.path, source, fresh, templates, result)
        return result


def _pair_by_test(sites: list[Site], pool: list[Site]) -> tuple[list[Site], list[Site]]:
    unpaired, left = [], list(pool)
    for site in sites:
        match = next((old for old in left if site.enclosing_test and old.component_key == site.component_key), None)
        if match is None:
            unpaired.append(site)
        else:
            left.remove(match)
    return unpaired, left


def _base_sites(path: str, text: str, deleted: frozenset[int]) -> list[Site]:
    source = Source(path, text)
    analysis = Analysis(source, deleted, {})
    analysis.run()
    # A base helper's status site counts as a counterpart whatever its callers did.
    return [_site(f, source, deleted) for f in analysis.found]


def _caller_asserts(call: ast.Call, context: FunctionContext) -> bool:
    """Whether the caller checks what the helper returned: it asserts the call, or a name bound
    to it, or fails the test on it."""
    for parent in context.ancestors(call):
        if isinstance(parent, ast.Assert):
            return True
        if isinstance(parent, ast.If) and any(_is_fail(s, context.source) for s in _walk_local(parent.body + parent.orelse)):
            return True
        if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            names = _written_names([ast.Assign(targets=list(targets), value=ast.Constant(None))]) if isinstance(parent, ast.Assign) else {dotted(parent.target) or ""}
            del targets
            for node in context.statements_after(parent):
                if isinstance(node, ast.Assert) and _names_read(node.test) & names:
                    return True
                if isinstance(node, ast.If) and _names_read(node.test) & names and any(_is_fail(s, context.source) for s in _walk_local(node.body + node.orelse)):
                    return True
            return False
        if isinstance(parent, ast.stmt):
            return False
    return False


def _report(path: str, source: Source, sites: list[Site], templates: Mapping[str, Template], result: CannotFailResult) -> None:
    if not sites:
        return
    text_lines = [line.rstrip("\r\n") for line in source.lines]
    suppressions = find_suppressions(source.text, {n for s in sites for n in (s.line, s.line - 1)})
    template = templates.get(CATEGORY) or builtin_template(CATEGORY)
    for site in sites:
        finding = _finding(path, site, text_lines, template)
        suppression = suppression_for(site.line, suppressions, text_lines)
        if suppression is None:
            result.findings.append(finding)
        elif suppression.reason:
            result.suppressed.append(replace(finding, reason=suppression.reason))
        else:
            result.findings.append(finding)
            result.findings.append(
                Finding(
                    path=path,
                    line=suppression.line,
                    column=text_lines[suppression.line - 1].find("#") + 1,
                    end_line=suppression.line,
                    construct="suppression",
                    target=None,
                    category=CATEGORY,
                    rule="MG110",
                    severity="error",
                    message="`# mockguard: allow` needs a reason after it (`# mockguard: allow <why this is acceptable>`); the site stays reported until it has one.",
                    template=None,
                    code=text_lines[suppression.line - 1].strip(),
                )
            )


def _finding(path: str, site: Site, text_lines: list[str], template: Template) -> Finding:
    try:
        snippet = adapt(template, test_name=site.enclosing_test.split(".")[-1] if site.enclosing_test and site.hints[2] == "test" else None, target=None)
        snippet = "# Instead: let the test fail when the service is down, and start the service in a fixture.\n" + snippet.split("\n", 1)[1]
    except (TemplateError, IndexError):
        snippet = None
    return Finding.at_site(path, site, text_lines, category=CATEGORY, message=message(site), template=snippet)


_FIX = "let the error propagate (or `pytest.fail` with the reason) and start {service} in a fixture the test run owns"


def message(site: Site) -> str:
    what, service, role = site.hints
    who = {"fixture": "every test using this fixture passes", "setup": "the tests of this class pass", "module": "every test of this module passes", "helper": "the tests calling it pass"}.get(role, "this test passes")
    fix = _FIX.format(service=service)
    if site.rule == "MG302":
        who = {"fixture": "every test using this fixture is skipped", "module": "every test of this module is skipped"}.get(role, "this test is skipped")
        return f"If {service} is down {who}, not failed: {what}; {fix}."
    if site.rule == "MG303":
        return f"If {service} is down the marked tests are skipped, not failed: {what}; {fix}."
    if site.rule == "MG304":
        return f"This assertion cannot fail: {what}; assert what the service really returned."
    if site.rule == "MG305":
        return f"If {service} is down {who}: {what}, and no caller in the change asserts it; {fix}."
    return f"If {service} is down {who}: {what}; {fix}."
