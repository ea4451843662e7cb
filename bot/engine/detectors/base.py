"""What every rule is: a small class that documents itself, carries its own examples and
declares what it knows (the libraries it owns, the words its sites are written with).

A name-use detector (it defines `on_call` or `on_reference`) sees one resolved use of a name (a
call, a decorator, a `with` item, an assignment or an import) and says whether it creates or
installs a mock. The walk over the tree, the name resolution and the bookkeeping live in
`bot.engine.sites`; detectors stay declarative. Rules of other kinds (MG2xx, MG3xx) carry the
same documentation, family and trigger words and do their own work; `bot.engine.rules` finds
every rule by walking this package.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import ClassVar, TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
else:
    from ..lazy import libcst as cst  # loaded on first use

from ..model import RuleDoc


@dataclass(frozen=True)
class Invalid:
    """Code that must produce findings on exactly `lines` (1-based), every line of it added."""

    code: str
    lines: tuple[int, ...]
    construct: str | None = None
    category: str | None = None


# Rule ids come in families: the hundreds digit says what kind of problem a rule finds.
FAMILIES: Mapping[str, str] = MappingProxyType(
    {
        "MG1xx": "mock-library sites: a mocking library's patch, mock object, fake server or frozen clock",
        "MG2xx": "mocks that arrive without a mock call: fixtures, helpers, hand-rolled patches, in-memory fakes",
        "MG3xx": "tests that cannot fail",
    }
)

@dataclass(frozen=True)
class Library:
    """A mocking library as the engine resolves it; the rule that detects its uses owns it.

    Every table the engine reads about libraries (which imports mock, what `import *` binds,
    which fixtures hand out a mocker, which words a site is written with, what category a
    library's mocks fall in) is derived from these declarations by `bot.engine.rules`.
    """

    name: str  # the name import findings give it: the module's top package, e.g. "respx"
    modules: tuple[str, ...] = ()  # modules whose names create or install a mock
    # (prefix, canonical prefix): another spelling of the same API, e.g. ("mock", "unittest.mock")
    aliases: tuple[tuple[str, str], ...] = ()
    star_exports: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # what `from M import *` binds, by module
    fixtures: Mapping[str, str] = field(default_factory=dict)  # pytest fixture name -> the canonical type it hands out
    annotation_types: tuple[str, ...] = ()  # canonical types whose annotation makes a parameter such a fixture
    labels: tuple[str, ...] = ()  # the names its sites carry as `Site.library`, when not `name`
    category: str | None = None  # what its mocks replace whatever the names around them say
    # Modules that are no mocking library but hold one of its names (`httpx.MockTransport`,
    # `botocore.stub.Stubber`, `_pytest.monkeypatch`): their imports are read, never reported.
    hosts: tuple[str, ...] = ()
    # Names of its modules that replace nothing (`unittest.mock.ANY`): importing only these is no mock.
    harmless: tuple[str, ...] = ()


@dataclass(frozen=True)
class Draft:
    """What a detector recognised; `bot.engine.sites` turns it into a `Site` with positions and keys."""

    construct: str
    library: str
    target: str | None = None
    component: str | None = None  # what is mocked, for matching an edited mock to its old self
    hints: tuple[str, ...] = ()


@dataclass
class UseContext:
    """Where a use stands: the chunk's module (for code), the names around it."""

    module: cst.Module
    test_name: str | None = None
    bound_names: tuple[str, ...] = ()  # assignment targets and keyword names around the use
    how: str = "call"  # call | decorator | with | assign | parameter
    chained: str | None = None  # the method called on this call's result: `route(...).pass_through()`
    constants: Mapping[str, str] = field(default_factory=dict)  # the file's module-level string constants
    qualify: Callable[[cst.BaseExpression], str | None] = lambda node: None  # the canonical name of an expression

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)


class Rule:
    """Base of every rule. Subclasses set the documentation, the examples and what they know.

    A class is a rule when it sets `id`; `family` follows from the id. `libraries` are the mocking
    libraries the rule owns; `trigger_words` are words one of which stands on the first line of
    every site it finds (the prefilter skips a file or a statement without any: forget one and
    the rule silently finds nothing; a test checks every INVALID example against them).
    `message` is the finding's message, formatted with `mocked` (what was done, e.g. "`patch` of
    `app.db`"), `noun` (what it replaces), `kind` (an integration or end-to-end test), `advice`,
    `fix` (the advice ending in "instead" exactly once), `library`, `target` and `name` (the name
    a mock is bound to).
    """

    id: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    what_it_does: ClassVar[str]
    why_bad: ClassVar[str]
    example: ClassVar[str]
    use_instead: ClassVar[str]
    VALID: ClassVar[tuple[str, ...]] = ()
    INVALID: ClassVar[tuple[Invalid, ...]] = ()
    libraries: ClassVar[tuple[Library, ...]] = ()
    trigger_words: ClassVar[frozenset[str]] = frozenset()
    trigger_prefixes: ClassVar[tuple[str, ...]] = ()  # e.g. moto's `mock_s3`, `mock_sqs`, ...
    message: ClassVar[str] = "New mock {mocked} replaces {noun} in {kind}; {fix}."

    @classmethod
    def family(cls) -> str:
        return f"{cls.id[:3]}xx"

    @classmethod
    def uses_names(cls) -> bool:
        """Whether the rule is a name-use detector, asked about every resolved use of a name."""
        return any(getattr(cls, hook) is not getattr(Rule, hook) for hook in ("on_call", "on_reference", "on_parameter"))

    def on_call(self, qualified: str, call: cst.Call, ctx: UseContext) -> Draft | None:
        return None

    def on_reference(self, qualified: str, node: cst.BaseExpression, ctx: UseContext) -> Draft | None:
        """A mocking name used without a call: `@respx.mock`, `with respx.mock:`, `db = AsyncMock`."""
        return None

    def on_parameter(self, kind: str, param: cst.Param, ctx: UseContext) -> Draft | None:
        """A function receives a fixture of `kind` (a canonical type): some fixtures fake by being requested."""
        return None

    @classmethod
    def doc(cls) -> RuleDoc:
        def clean(text: str) -> str:
            return textwrap.dedent(text).strip()

        return RuleDoc(
            id=cls.id,
            name=cls.name,
            summary=cls.summary,
            what_it_does=clean(cls.what_it_does),
            why_bad=clean(cls.why_bad),
            example=clean(cls.example),
            use_instead=clean(cls.use_instead),
            examples_valid=tuple(clean(v) for v in cls.VALID),
            examples_invalid=tuple(clean(i.code) for i in cls.INVALID),
        )


# --- small helpers shared by detectors -------------------------------------------------------


def string_value(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def positional(call: cst.Call, index: int) -> cst.BaseExpression | None:
    args = [a for a in call.args if a.keyword is None and not a.star]
    return args[index].value if len(args) > index else None


def keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def expression_text(node: cst.BaseExpression | None, ctx: UseContext) -> str | None:
    """A target as people read it: a string's value (through a module-level string constant of
    the file too: `TARGET = "app.db.engine"` then `patch(TARGET)`), else the code, on one line."""
    if node is None:
        return None
    if isinstance(node, cst.Name) and node.value in ctx.constants:
        return ctx.constants[node.value]
    value = string_value(node)
    if value is not None:
        return value
    return " ".join(ctx.code(node).split())


ENVIRONMENT = "os.environ"


def environment_target(node: cst.BaseExpression | None, ctx: UseContext) -> str | None:
    """"os.environ" when the expression is the process environment, however it was imported."""
    if node is None:
        return None
    text = string_value(node) or ctx.qualify(node) or ctx.code(node)
    return ENVIRONMENT if text in (ENVIRONMENT, "environ") else None


def last_segment(target: str | None) -> str | None:
    if not target:
        return None
    return target.replace("[", ".").replace("]", "").replace("'", "").replace('"', "").split(".")[-1] or None

