"""MG101: unittest.mock's patch family (and the `mock` backport)."""

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

# `mock` is the PyPI backport of unittest.mock; asynctest extends it (its CoroutineMock is an AsyncMock).
UNITTEST_MOCK = Library(
    "unittest.mock",
    modules=("unittest.mock", "mock", "asynctest"),
    # `mock.mock` first: the backport's implementation module (`from mock import mock`) is the
    # library itself, not a name inside it.
    aliases=(("mock.mock", "unittest.mock"), ("mock", "unittest.mock"), ("asynctest", "unittest.mock")),
    star_exports={
        "unittest.mock": (
            "patch", "Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock",
            "PropertyMock", "create_autospec", "mock_open",
        ),
    },
    # `os` is read so that `patch.dict(env, ...)` after `from os import environ as env` is known
    # for the environment patch it is (tolerated by default).
    hosts=("os",),
    harmless=("ANY", "sentinel", "call", "DEFAULT"),
)

PATCHERS = {
    "unittest.mock.patch": "patch",
    "unittest.mock.patch.object": "patch.object",
    "unittest.mock.patch.dict": "patch.dict",
    "unittest.mock.patch.multiple": "patch.multiple",
}


def patch_draft(construct: str, call: cst.Call, ctx: UseContext, library: str) -> Draft:
    """Target and component of any patch-like call: patch, patch.object, mocker.patch, ..."""
    kind = construct.rsplit(".", 1)[-1] if "." in construct else "patch"
    first = positional(call, 0)
    if kind == "object":
        owner = expression_text(first, ctx)
        attribute = string_value(positional(call, 1)) if positional(call, 1) is not None else None
        target = f"{owner}.{attribute}" if owner and attribute else owner
    elif kind == "dict":
        target = environment_target(first, ctx) or expression_text(first, ctx)
    else:  # patch, multiple
        target = expression_text(first, ctx)
    # The whole target is what is mocked: `app.payments.client.send` is not `app.email.client.send`.
    return Draft(construct=construct, library=library, target=target, component=f"patch:{target}")


class PatchFamily(Rule):
    id = "MG101"
    name = "patch-in-integration-test"
    summary = "An integration test patches a real collaborator with unittest.mock"
    what_it_does = """
        Flags each new `patch(...)`, `patch.object(...)`, `patch.dict(...)` and `patch.multiple(...)`
        from `unittest.mock` (or the `mock` backport), as a call, a context manager or a decorator,
        in an integration or end-to-end test.
    """
    why_bad = """
        An integration test exists to prove that the pieces work together. Patching one of them
        replaces the real code path with an object that answers whatever the test told it to, so
        the test passes while the real thing (the WebSocket manager, the database session, the
        HTTP client) is broken. The bug ships with a green build.
    """
    example = """
        from unittest.mock import patch

        @patch("app.services.thread_service.create_websocket_manager")
        def test_thread_updates_are_pushed(manager, client):
            client.post("/threads/1/messages", json={"text": "hi"})
            manager.return_value.broadcast.assert_called_once()
    """
    use_instead = """
        Serve the app on loopback and talk to it over a real connection, then assert on what a
        real client receives:

            async def test_thread_updates_are_pushed(live_app):
                async with websockets.connect(f"{live_app.ws_url}/threads/1") as ws:
                    await live_app.http.post("/threads/1/messages", json={"text": "hi"})
                    assert json.loads(await ws.recv())["text"] == "hi"
    """
    VALID = (
        "def patch(x):\n    return x\n\ndef test_local_helper():\n    patch('not a mock')\n",
        "# patch('app.db') is gone now\ndef test_real(db):\n    assert db.ping()\n",
        "def test_doc():\n    '''We used to patch('app.db') here.'''\n",
        "def test_configures(mocked):\n    mocked.return_value = 3\n    mocked.assert_called_once()\n",
    )
    INVALID = (
        Invalid(
            "from unittest.mock import patch\n\n@patch('app.ws.create_manager')\ndef test_x(m):\n    pass\n",
            lines=(3,),
            construct="patch",
            category="websocket",
        ),
        Invalid(
            "import unittest.mock as um\n\ndef test_x():\n    with um.patch.object(Client, 'send'), um.patch('app.db.session'):\n        pass\n",
            lines=(4, 4),
        ),
        Invalid(
            "from unittest import mock\n\ndef test_x():\n    with mock.patch.dict(\n        CONFIG, {'a': 1}\n    ):\n        pass\n",
            lines=(4,),
            construct="patch.dict",
        ),
        Invalid("import mock\n\ndef test_x():\n    p = mock.patch('app.redis_client')\n    p.start()\n    p.stop()\n", lines=(4,)),
    )

    libraries = (UNITTEST_MOCK,)
    trigger_words = frozenset({"patch", "object", "dict", "multiple", "mock"})

    def on_call(self, qualified: str, call: cst.Call, ctx: UseContext) -> Draft | None:
        construct = PATCHERS.get(qualified)
        if construct is None:
            return None
        return patch_draft(construct, call, ctx, "unittest.mock")
