"""MG205: mongomock, an in-process imitation of a MongoDB server."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
else:
    from ..lazy import libcst as cst  # loaded on first use

from .base import Draft, Invalid, Library, Rule, UseContext

MONGOMOCK = Library("mongomock", modules=("mongomock", "mongomock_motor"), category="database")
BUILDERS = {
    "mongomock.MongoClient": "MongoClient",
    "mongomock.patch": "patch",
    "mongomock_motor.AsyncMongoMockClient": "AsyncMongoMockClient",
}


class FakeMongo(Rule):
    id = "MG205"
    name = "mongomock-in-integration-test"
    summary = "An integration test talks to mongomock instead of a real MongoDB server"
    what_it_does = """
        Flags each new `mongomock.MongoClient()`, `mongomock.patch(...)` (as decorator, context
        manager or call) and `mongomock_motor.AsyncMongoMockClient()` in an integration test. A
        real `mongod` on loopback or in a container is not a fake.
    """
    why_bad = """
        mongomock re-implements a subset of MongoDB in Python: query operators, aggregation stages,
        indexes, transactions and write concerns behave differently or not at all, and the driver's
        wire protocol is never used.
    """
    example = """
        import mongomock

        def test_users(app):
            app.state.db = mongomock.MongoClient().db
    """
    use_instead = """
        Run a real `mongod` on a free loopback port (or testcontainers' MongoDbContainer) in a
        fixture and give the application its URL.
    """
    VALID = ("import pymongo\n\ndef test_x(mongo_url):\n    client = pymongo.MongoClient(mongo_url)\n    assert client\n",)
    INVALID = (
        Invalid("import mongomock\n\ndef test_x(app):\n    app.state.db = mongomock.MongoClient().db\n", lines=(4,), construct="mongomock", category="database"),
        Invalid("import mongomock\n\n@mongomock.patch(servers=(('db.example', 27017),))\ndef test_x():\n    pass\n", lines=(3,)),
    )

    libraries = (MONGOMOCK,)
    trigger_words = frozenset({"MongoClient", "AsyncMongoMockClient"})

    def _draft(self, qualified: str) -> Draft | None:
        made = BUILDERS.get(qualified)
        if made is None:
            return None
        return Draft(construct="mongomock", library="mongomock", target=qualified, component="fake:mongodb")

    def on_call(self, qualified: str, call: cst.Call, ctx: UseContext) -> Draft | None:
        return self._draft(qualified)

    def on_reference(self, qualified: str, node: cst.BaseExpression, ctx: UseContext) -> Draft | None:
        return self._draft(qualified) if ctx.how in ("decorator", "with") else None
