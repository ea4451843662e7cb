"""`cst_read.walk` calls a visitor's methods in exactly the order libcst's own `visit` does."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from bot.engine.cst_read import positions, walk

ROOT = Path(__file__).resolve().parents[2]

# Fields libcst visits only when set (an f-string's format spec, a parameter's default, ...),
# statements of every kind, and the syntax around them.
VARIED = '''
import os, sys as system
from . import sibling
from ..pkg import (a as b, c)

@decorator(arg=1)
@other.attr
async def handler(x: int = 1, /, *args: str, key=None, **kwargs) -> "R":
    """Doc."""
    global counter
    value = f"{x!r:>{width}} and {y=} {z:{w}.{p}f}"
    async with client() as (first, second), other:
        async for item in stream:
            await item
    result = [i async for i in gen() if i] or {k: v for k, v in pairs} or {s for s in t}
    lam = lambda q, *r, s=2: (q, r, s)
    if (walrus := compute()) is not None and not x:
        pass
    elif x in (1, 2):
        raise ValueError("no") from None
    else:
        del kwargs["k"]
    try:
        yield x
    except* (TypeError, KeyError) as group:
        print(group, end="")
    finally:
        assert x, "message"
    match value:
        case {"k": [1, *rest]} | Point(x=0, y=_) if rest:
            return rest[1:2:3]
        case str() as text:
            return -text @ 2 ** 3 // 4
    while True:
        break
    else:
        continue_ = x if x else y
    return x;

class Thing(Base, metaclass=Meta):
    attr: int = 3
    x += 1
    def method(self): return self.attr[0]
'''


class Recorder(cst.CSTVisitor):
    def __init__(self, skip: type[cst.CSTNode] | None = None) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []
        self.skip = skip

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.events.append(("visit", id(node)))
        return not (self.skip is not None and isinstance(node, self.skip))

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.events.append(("leave", id(original_node)))


def _both(module: cst.Module, skip: type[cst.CSTNode] | None = None) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    by_libcst, by_walk = Recorder(skip), Recorder(skip)
    module.visit(by_libcst)
    walk(module, by_walk)
    return by_libcst.events, by_walk.events


def test_the_same_calls_in_the_same_order_on_varied_syntax():
    expected, walked = _both(cst.parse_module(VARIED))
    assert len(expected) > 500
    assert walked == expected


def test_a_visit_method_that_returns_false_skips_the_children_as_with_libcst():
    expected, walked = _both(cst.parse_module(VARIED), skip=cst.FunctionDef)
    assert walked == expected
    assert len(walked) < len(_both(cst.parse_module(VARIED))[0])


@pytest.mark.parametrize("path", sorted((ROOT / "bot" / "engine").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_same_calls_on_the_engines_own_files(path):
    expected, walked = _both(cst.parse_module(path.read_text()))
    assert walked == expected


def test_a_visitor_with_attribute_hooks_is_refused():
    class Hooked(cst.CSTVisitor):
        def visit_Call_func(self, node: cst.Call) -> None:
            pass

    with pytest.raises(TypeError, match="attribute hooks"):
        walk(cst.parse_module("f()\n"), Hooked())


def _libcst_positions(module: cst.Module) -> dict[cst.CSTNode, object]:
    from libcst.metadata import MetadataWrapper, PositionProvider

    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    return dict(wrapper.resolve(PositionProvider))


def test_positions_are_libcsts_on_varied_syntax_and_windows_line_ends():
    for text in (VARIED, VARIED.replace("\n", "\r\n"), "x = (\n    1,\n)\n\\\n\ny = 2\n"):
        module = cst.parse_module(text)
        expected = _libcst_positions(module)
        found = positions(module)
        assert len(found) == len(expected) > 0
        assert all(found[node] == position for node, position in expected.items())


@pytest.mark.parametrize("path", sorted((ROOT / "bot" / "engine").rglob("*.py"))[::4], ids=lambda p: str(p.relative_to(ROOT)))
def test_positions_are_libcsts_on_the_engines_own_files(path):
    module = cst.parse_module(path.read_text())
    expected = _libcst_positions(module)
    found = positions(module)
    assert {node: found[node] for node in expected} == expected
