"""MG204: fakeredis, an in-process imitation of a Redis server."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
else:
    from ..lazy import libcst as cst  # loaded on first use

from .base import Draft, Invalid, Library, Rule, UseContext

FAKEREDIS = Library("fakeredis", modules=("fakeredis",), category="redis")


def fake_class(qualified: str, module: str) -> str | None:
    """The `Fake...` class a call into `module` builds (`fakeredis.FakeRedis.from_url` -> FakeRedis)."""
    if not qualified.startswith(module + "."):
        return None
    return next((part for part in qualified.split(".")[1:] if part.startswith("Fake")), None)


class FakeRedis(Rule):
    id = "MG204"
    name = "fakeredis-in-integration-test"
    summary = "An integration test talks to fakeredis instead of a real Redis server"
    what_it_does = """
        Flags each new `fakeredis` client or server built in an integration test (`FakeRedis()`,
        `FakeStrictRedis()`, `FakeAsyncRedis()`, `aioredis.FakeRedis()`, `FakeServer()`,
        `FakeRedis.from_url(...)`). A real `redis-server` started on loopback, in a container
        (testcontainers) or as a service is not a fake.
    """
    why_bad = """
        fakeredis re-implements Redis inside the test process: no network, no serialisation through
        the real protocol, no eviction, persistence or cluster behaviour, and commands it lacks or
        implements differently pass silently. The integration with the real server is not tested.
    """
    example = """
        import fakeredis

        def test_cache(app):
            app.state.redis = fakeredis.FakeRedis()
    """
    use_instead = """
        Start a real `redis-server` on a free loopback port in a fixture (or use testcontainers) and
        point the application's Redis URL at it.
    """
    VALID = (
        "import redis\n\ndef test_x(redis_server):\n    client = redis.Redis(port=redis_server.port)\n    assert client.ping()\n",
        "from testcontainers.redis import RedisContainer\n\ndef test_x():\n    with RedisContainer() as server:\n        assert server\n",
    )
    INVALID = (
        Invalid("import fakeredis\n\ndef test_x(app):\n    app.state.redis = fakeredis.FakeRedis()\n", lines=(4,), construct="fakeredis", category="redis"),
        Invalid("from fakeredis import aioredis\n\nasync def test_x():\n    client = aioredis.FakeRedis(decode_responses=True)\n", lines=(4,)),
    )

    libraries = (FAKEREDIS,)
    trigger_words = frozenset({"FakeRedis", "FakeStrictRedis", "FakeAsyncRedis", "FakeServer", "FakeConnection"})

    def on_call(self, qualified: str, call: cst.Call, ctx: UseContext) -> Draft | None:
        made = fake_class(qualified, "fakeredis")
        if made is None:
            return None
        return Draft(construct="fakeredis", library="fakeredis", target=qualified, component="fake:redis")
