"""MG105: pytest's `monkeypatch` fixture (and `pytest.MonkeyPatch` used directly)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
else:
    from ..lazy import libcst as cst  # loaded on first use

from .base import (
    Draft,
    Invalid,
    Library,
    Rule,
    UseContext,
    environment_target,
    expression_text,
    positional,
    string_value,
)

MONKEYPATCH = "_pytest.monkeypatch.MonkeyPatch"
MONKEYPATCH_METHODS = {"setattr", "delattr", "setitem", "delitem", "setenv", "delenv", "syspath_prepend"}
# pytest itself is no mocking library; only its MonkeyPatch (fixture or class) is.
PYTEST_MONKEYPATCH = Library(
    "pytest",
    aliases=(("pytest.MonkeyPatch", MONKEYPATCH),),
    fixtures={"monkeypatch": MONKEYPATCH},
    annotation_types=(MONKEYPATCH,),
    # `pytest.MonkeyPatch()`, `from _pytest.monkeypatch import MonkeyPatch`, `pytest.importorskip(...)`
    hosts=("pytest", "_pytest"),
)


class Monkeypatch(Rule):
    id = "MG105"
    name = "monkeypatch-in-integration-test"
    summary = "An integration test replaces real code or state with pytest's monkeypatch"
    what_it_does = """
        Flags each new `monkeypatch.setattr`, `delattr`, `setitem`, `delitem`, `setenv`, `delenv`
        and `syspath_prepend`. Environment variables (`setenv`, `delenv`) are tolerated by default
        and reported as tolerated, since they configure the system rather than replace a part of it.
    """
    why_bad = """
        `monkeypatch.setattr` swaps a function or object of the system under test for one the test
        wrote. The integration test then exercises the replacement, not the code that runs in
        production.
    """
    example = """
        def test_publish(monkeypatch, app):
            monkeypatch.setattr("app.events.queue.publish", lambda *a: None)
            assert app.post("/orders", json={}).status_code == 201
    """
    use_instead = """
        Run the real queue (a redis-server on loopback, a SQLite-backed queue) and assert that the
        message arrives.
    """
    VALID = (
        "def test_x(monkeypatch):\n    pass\n",
        "def test_x(monkeypatch, tmp_path):\n    monkeypatch.chdir(tmp_path)\n",
    )
    INVALID = (
        Invalid("def test_x(monkeypatch):\n    monkeypatch.setattr('app.events.queue.publish', print)\n", lines=(2,), construct="monkeypatch.setattr", category="queue"),
        Invalid(
            "import pytest\n\ndef test_x():\n    with pytest.MonkeyPatch.context() as mp:\n        mp.setattr(Store, 'redis', None)\n",
            lines=(5,),
        ),
        Invalid("import pytest\n\ndef test_x():\n    pytest.MonkeyPatch().setattr('app.events.queue.publish', print)\n", lines=(4,)),
    )

    libraries = (PYTEST_MONKEYPATCH,)
    trigger_words = frozenset(MONKEYPATCH_METHODS)

    def on_call(self, qualified: str, call: cst.Call, ctx: UseContext) -> Draft | None:
        if not qualified.startswith(MONKEYPATCH + "."):
            return None
        method = qualified[len(MONKEYPATCH) + 1 :]
        if method not in MONKEYPATCH_METHODS:
            return None
        first, second = positional(call, 0), positional(call, 1)
        target: str | None
        if method in ("setattr", "delattr"):
            owner = expression_text(first, ctx)
            name = string_value(second) if second is not None else None
            # setattr("pkg.mod.attr", value) names the target in one string
            if name is not None and string_value(first) is None:
                target = f"{owner}.{name}"
            else:
                target = owner
        elif method in ("setitem", "delitem"):
            owner = environment_target(first, ctx) or expression_text(first, ctx)
            target = f"{owner}[{expression_text(second, ctx)}]"
        else:  # setenv, delenv, syspath_prepend
            target = expression_text(first, ctx)
        return Draft(
            construct=f"monkeypatch.{method}",
            library="pytest",
            target=target,
            component=f"patch:{target}",
        )
