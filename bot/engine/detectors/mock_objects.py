"""MG102: mock objects built in a test; MG103: a name bound to a mock class itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
else:
    from ..lazy import libcst as cst  # loaded on first use

from .base import Draft, Invalid, Rule, UseContext, expression_text, keyword, last_segment, positional

MOCK_CLASSES = {
    "unittest.mock.Mock": "Mock",
    "unittest.mock.MagicMock": "MagicMock",
    "unittest.mock.AsyncMock": "AsyncMock",
    "unittest.mock.NonCallableMock": "NonCallableMock",
    "unittest.mock.NonCallableMagicMock": "NonCallableMagicMock",
    "unittest.mock.PropertyMock": "PropertyMock",
    "unittest.mock.CoroutineMock": "AsyncMock",  # asynctest's name for it
}
MOCK_FACTORIES = {
    "unittest.mock.create_autospec": "create_autospec",
    "unittest.mock.mock_open": "mock_open",
}


def mock_object_draft(construct: str, call: cst.Call, ctx: UseContext, library: str) -> Draft:
    spec = keyword(call, "spec") or keyword(call, "spec_set") or keyword(call, "wraps")
    if construct.endswith("create_autospec"):
        spec = positional(call, 0) or spec
    # Only a named class says what is mocked; a list of attribute names does not.
    target = expression_text(spec, ctx) if isinstance(spec, (cst.Name, cst.Attribute)) else None
    if construct.endswith("mock_open"):
        target = target or "builtins.open"
    names = ctx.bound_names
    # The name a mock is bound to is its most stable identity: a spec added later keeps it.
    component = (names[0] if names else None) or last_segment(target) or ctx.test_name
    return Draft(construct=construct, library=library, target=target, component=f"mock:{component}", hints=names)


class MockObject(Rule):
    id = "MG102"
    name = "mock-object-in-integration-test"
    summary = "An integration test builds a Mock, MagicMock or AsyncMock in place of a real object"
    what_it_does = """
        Flags each new construction of `Mock`, `MagicMock`, `AsyncMock`, `NonCallableMock`,
        `PropertyMock`, `create_autospec(...)` or `mock_open(...)`, wherever it stands: assigned,
        passed as an argument, inside a list or a dict.
    """
    why_bad = """
        A mock object accepts every call and returns another mock. Handed to the code under test
        in place of a database session, a client or a manager, it turns every interaction into a
        no-op that always succeeds, so the integration test checks the test's own expectations
        instead of the system.
    """
    example = """
        async def test_create_user(service):
            service.db = AsyncMock()
            await service.create_user("ada")
            service.db.add.assert_called_once()
    """
    use_instead = """
        Give the code a real object from a fixture (a database session on a real database, a real
        client on a loopback server) and assert on the state it leaves:

            async def test_create_user(service, db_session):
                await service.create_user("ada")
                assert await db_session.scalar(select(User.name)) == "ada"
    """
    VALID = (
        "class MockClient:\n    def send(self):\n        return 1\n\ndef test_fake():\n    client = MockClient()\n",
        "def test_uses(existing_mock):\n    existing_mock.return_value = 3\n    existing_mock.side_effect = [1, 2]\n",
        "def test_word():\n    mock_data = {'a': 1}  # MagicMock() in a comment\n",
    )
    INVALID = (
        Invalid("from unittest.mock import AsyncMock\n\ndef test_x(service):\n    service.db = AsyncMock()\n", lines=(4,), construct="AsyncMock", category="database"),
        Invalid(
            "from unittest.mock import MagicMock\n\ndef test_x():\n    run(clients=[MagicMock(), MagicMock()],\n        cfg={'x': MagicMock()})\n",
            lines=(4, 4, 5),
        ),
        Invalid("import unittest.mock\n\ndef test_x():\n    m = unittest.mock.create_autospec(Session)\n", lines=(4,), construct="create_autospec"),
    )

    trigger_words = frozenset(q.rsplit(".", 1)[-1] for q in (*MOCK_CLASSES, *MOCK_FACTORIES))

    def on_call(self, qualified: str, call: cst.Call, ctx: UseContext) -> Draft | None:
        construct = MOCK_CLASSES.get(qualified) or MOCK_FACTORIES.get(qualified)
        if construct is None:
            return None
        return mock_object_draft(construct, call, ctx, "unittest.mock")


class MockClassAlias(Rule):
    id = "MG103"
    name = "mock-class-alias"
    summary = "A name is bound to a mock class, so every use of that name builds a mock"
    what_it_does = """
        Flags an assignment whose value is a mock class itself, not an instance:
        `db = AsyncMock` or `Session = MagicMock`.
    """
    why_bad = """
        Binding a name to a mock class hides the mock from every reader of the code that uses the
        name: each call of it silently builds a new mock in place of the real collaborator.
    """
    example = """
        from unittest.mock import AsyncMock

        db = AsyncMock
    """
    use_instead = """
        Bind the name to the real class, or better, receive the real object from a fixture.
    """
    VALID = ("kinds = [int, str]\nDatabase = RealDatabase\n",)
    INVALID = (
        Invalid("from unittest.mock import AsyncMock\n\ndb = AsyncMock\n", lines=(3,), construct="mock-class-alias", category="database"),
    )

    trigger_words = frozenset(q.rsplit(".", 1)[-1] for q in MOCK_CLASSES)
    message = "`{name}` is bound to the mock class {target} in {kind}; {fix}."

    def on_reference(self, qualified: str, node: cst.BaseExpression, ctx: UseContext) -> Draft | None:
        if ctx.how != "assign" or qualified not in MOCK_CLASSES:
            return None
        names = ctx.bound_names
        return Draft(
            construct="mock-class-alias",
            library="unittest.mock",
            target=MOCK_CLASSES[qualified],
            component=f"alias:{names[0] if names else qualified}",
            hints=names,
        )
