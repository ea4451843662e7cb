"""Read-only passes over a libcst tree, cheaper than libcst's general ones: a walk that calls a
`CSTVisitor`'s `visit_<Node>`/`leave_<Node>` methods in the order `node.visit(visitor)` calls
them, and the positions `PositionProvider` gives.

libcst's own `visit` serves transformers too: every node it passes is rebuilt from its visited
children (a dataclass built and validated again) and every field is announced to attribute
hooks. A visitor that only reads pays for both; on a big change that was a fifth of a scan. The
walk reads each node's fields in the order libcst visits them (read once per node class from the
source of libcst's own `_visit_and_replace_children`, so it follows libcst's lexical order) and
rebuilds nothing. Attribute hooks (`visit_<Node>_<field>`) are not called: a visitor that
defines one is refused.

Positions come from libcst's own codegen pass, the way `PositionProvider` computes them, but
kept as plain tuples (libcst builds two dataclasses per node, and a context manager per
statement) and turned into `CodeRange`s only for the nodes asked for.
`tests/engine/test_cst_read.py` compares both with libcst's on varied syntax and on this
project's own files.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import libcst as cst
from libcst._add_slots import add_slots
from libcst.metadata import BaseMetadataProvider, CodePosition, CodeRange
from libcst.metadata.position_provider import PositionProvidingCodegenState

_FIELDS: dict[type[cst.CSTNode], tuple[str, ...]] = {}


def _fields(node: cst.CSTNode) -> tuple[str, ...]:
    """The fields libcst's `_visit_and_replace_children` of the node's class visits, in its order:
    the `visit_*(self, "field", ...)` calls of that method's source, read once per class (some
    visit a field only when it is set: running the method once would miss those)."""
    kind = type(node)
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = _visited_fields(kind)
    return fields


def _visited_fields(kind: type[cst.CSTNode]) -> tuple[str, ...]:
    method = kind._visit_and_replace_children
    tree = ast.parse(textwrap.dedent(inspect.getsource(method)))
    calls = sorted(
        (node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("visit_")),
        key=lambda call: (call.lineno, call.col_offset),
    )
    fields: list[str] = []
    for call in calls:
        if len(call.args) >= 2 and isinstance(call.args[0], ast.Name) and call.args[0].id == "self":
            name = call.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str) and name.value not in fields:
                fields.append(name.value)
    return tuple(fields)


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """`node.visit(visitor)` for a visitor that only reads (its `visit_*` may return False to
    skip a node's children, as with libcst)."""
    if _has_attribute_hooks(type(visitor)):
        raise TypeError(f"{type(visitor).__name__} defines attribute hooks: use node.visit")
    _walk(node, visitor)


def _walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    if visitor.on_visit(node):
        for name in _fields(node):
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                _walk(value, visitor)
            elif isinstance(value, Sequence) and not isinstance(value, str):
                for child in value:
                    if isinstance(child, cst.CSTNode):
                        _walk(child, visitor)
    visitor.on_leave(node)


_HOOKS_CHECKED: dict[type, bool] = {}


def _has_attribute_hooks(kind: type) -> bool:
    """Whether the visitor class defines its own `visit_<Node>_<field>` or `leave_<Node>_<field>`
    (libcst's base class declares every one of them, doing nothing)."""
    known = _HOOKS_CHECKED.get(kind)
    if known is None:
        known = _HOOKS_CHECKED[kind] = any(
            getattr(kind, name) is not getattr(cst.CSTVisitor, name, None)
            for name in dir(kind)
            if name.startswith(("visit_", "leave_")) and name.split("_", 1)[1] not in _NODE_NAMES
        )
    return known


_NODE_NAMES = frozenset(name for name in dir(cst) if isinstance(getattr(cst, name), type) and issubclass(getattr(cst, name), cst.CSTNode))


# --- positions ------------------------------------------------------------------------------

_Point = tuple[int, int]  # (line, column), as CodePosition has them


class _Collector(BaseMetadataProvider[Any]):
    """Only a place for the codegen state to store what it computes (`_computed`)."""


@add_slots
@dataclass(frozen=False)
class _LeanPositionState(PositionProvidingCodegenState):
    """`PositionProvidingCodegenState` storing ((line, column), (line, column)) tuples."""

    _points: list[_Point] = field(init=False, default_factory=list)

    def _update_position(self, value: str) -> None:
        if "\n" not in value and "\r" not in value:  # most tokens
            self.column += len(value)
            return
        PositionProvidingCodegenState._update_position(self, value)  # (add_slots makes a new class: no bare super())

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._points.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._points.pop()
        computed = self.provider._computed
        if node not in computed:  # a syntactic position already recorded stays
            computed[node] = (start, (self.line, self.column))

    def record_syntactic_position(  # type: ignore[override]  # a context manager either way
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> _Syntactic:
        return _Syntactic(self, node, start_node, end_node)


class _Syntactic:
    """`record_syntactic_position`'s context manager, as a plain class (libcst's is a generator)."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state: _LeanPositionState, node: cst.CSTNode, start_node: cst.CSTNode | None, end_node: cst.CSTNode | None) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.start = (self.state.line, self.state.column)

    def __exit__(self, *exc: object) -> None:
        computed = cast("dict[cst.CSTNode, tuple[_Point, _Point]]", self.state.provider._computed)
        start = computed[self.start_node][0] if self.start_node is not None else self.start
        end = computed[self.end_node][1] if self.end_node is not None else (self.state.line, self.state.column)
        computed[self.node] = (start, end)


class Positions(Mapping[cst.CSTNode, CodeRange]):
    """What `PositionProvider` gives each node, computed for all in one pass, built on demand."""

    def __init__(self, computed: dict[cst.CSTNode, tuple[_Point, _Point]]) -> None:
        self._computed = computed

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        start, end = self._computed[node]
        return CodeRange(CodePosition(*start), CodePosition(*end))

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._computed)

    def __len__(self) -> int:
        return len(self._computed)


def positions(module: cst.Module) -> Positions:
    """Every node's position in `module`, as libcst's `PositionProvider` has it."""
    collector = _Collector()
    state = _LeanPositionState(default_indent=module.default_indent, default_newline=module.default_newline, provider=collector)
    module._codegen(state)
    # (every value stored is a plain pair of points: never one of libcst's lazy values)
    return Positions(cast("dict[cst.CSTNode, tuple[_Point, _Point]]", collector._computed))
