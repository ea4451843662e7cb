"""What every detector is: a small class that documents itself and carries its own examples.

A detector sees one resolved use of a name (a call, a decorator, a `with` item, an assignment or
an import) and says whether it creates or installs a mock. The walk over the tree, the name
resolution and the bookkeeping live in `bot.engine.sites`; detectors stay declarative.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst

from ..model import RuleDoc


@dataclass(frozen=True)
class Invalid:
    """Code that must produce findings on exactly `lines` (1-based), every line of it added."""

    code: str
    lines: tuple[int, ...]
    construct: str | None = None
    category: str | None = None


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
    how: str = "call"  # call | decorator | with | assign

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)


class Rule:
    """Base of every detector. Subclasses set the documentation and the examples."""

    id: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    what_it_does: ClassVar[str]
    why_bad: ClassVar[str]
    example: ClassVar[str]
    use_instead: ClassVar[str]
    VALID: ClassVar[tuple[str, ...]] = ()
    INVALID: ClassVar[tuple[Invalid, ...]] = ()

    def on_call(self, qualified: str, call: cst.Call, ctx: UseContext) -> Draft | None:
        return None

    def on_reference(self, qualified: str, node: cst.BaseExpression, ctx: UseContext) -> Draft | None:
        """A mocking name used without a call: `@respx.mock`, `with respx.mock:`, `db = AsyncMock`."""
        return None

    @classmethod
    def doc(cls) -> RuleDoc:
        clean = lambda text: textwrap.dedent(text).strip()  # noqa: E731
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


def string_value(node: cst.BaseExpression) -> str | None:
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
    """A target as people read it: a string's value, else the code, on one line."""
    if node is None:
        return None
    value = string_value(node)
    if value is not None:
        return value
    return " ".join(ctx.code(node).split())


def last_segment(target: str | None) -> str | None:
    if not target:
        return None
    return target.replace("[", ".").replace("]", "").replace("'", "").replace('"', "").split(".")[-1] or None

