"""MG3xx: tests that cannot fail. The analysis lives in `bot.engine.cannot_fail`; these classes are
the rules' documentation, their examples and what they declare (trigger words, default severity)."""

from __future__ import annotations

from typing import ClassVar

from .base import Invalid, Rule

_ADVICE = """
    Let the error propagate (or call `pytest.fail` with the reason), and make the service a
    fixture that the test run starts, so a broken service fails the test:

        @pytest.fixture
        def ws_url():
            server = start_server_on_a_free_port()   # the real service, on 127.0.0.1
            yield server.url
            server.stop()

        def test_chat(ws_url):
            with connect(f"{ws_url}/ws") as ws:       # no try/except: a refused connection fails the test
                ws.send("hi")
                assert ws.recv(timeout=5) == "hi"
"""


class _CannotFail(Rule):
    """Shared by the MG3xx rules: the category of advice and the words every site's line holds."""

    category: ClassVar[str] = "cannot-fail"
    default_severity: ClassVar[str | None] = None  # None: the category's severity


class SwallowedConnectionError(_CannotFail):
    id = "MG301"
    name = "swallowed-connection-error"
    summary = "A test swallows the error of the real service it talks to, or swaps in a substitute"
    trigger_words = frozenset({"except"})
    what_it_does = """
        Flags the `except` line of a bare `except`, `except Exception`/`BaseException` or a
        connection-type error (`ConnectionError`, `OSError`, `TimeoutError`, and the connection
        and operational errors of websockets, httpx, aiohttp, requests, redis, asyncpg, psycopg,
        SQLAlchemy) whose `try` does real I/O or calls the system under test, when the handler
        neither re-raises, nor fails the test, nor records the error somewhere asserted
        afterwards: it passes, prints, logs, continues, or sets a flag nobody asserts. A handler
        that swaps in a substitute (a fake token, a mock client, made-up results, also when a
        helper builds it) is flagged whatever follows. Not flagged: handlers in `finally`,
        teardown and close helpers or after a fixture's `yield`, around imports or local parsing,
        retry and poll loops whose result is asserted (or whose `else` fails), and code reachable
        only from `if __name__ == "__main__"`.
    """
    why_bad = """
        A test whose real connection is wrapped in `try: ... except Exception: print(e)` passes
        when the service is down: it can no longer fail, which makes it a mock by other means.
    """
    example = """
        async def test_chat(ws_url):
            try:
                async with websockets.connect(ws_url) as ws:
                    await ws.send("hi")
            except Exception as e:
                print(f"server unavailable: {e}")
    """
    use_instead = _ADVICE
    VALID = (
        "import websockets\n\nasync def test_chat(ws_url):\n    async with websockets.connect(ws_url) as ws:\n        await ws.send('hi')\n        assert await ws.recv() == 'hi'\n",
        "import pytest, websockets\n\nasync def test_chat(ws_url):\n    try:\n        ws = await websockets.connect(ws_url)\n    except OSError as e:\n        pytest.fail(f'server down: {e}')\n",
        "import json\n\ndef test_parse(payload):\n    try:\n        data = json.loads(payload)\n    except Exception:\n        data = None\n",
        "import requests\n\ndef test_poll(url):\n    got = None\n    for _ in range(10):\n        try:\n            got = requests.get(url, timeout=1).json()\n            break\n        except requests.ConnectionError:\n            continue\n    assert got == {'ok': True}\n",
    )
    INVALID = (
        Invalid(
            "import websockets\n\nasync def test_chat(ws_url):\n    try:\n        async with websockets.connect(ws_url) as ws:\n            await ws.send('hi')\n    except Exception as e:\n        print(f'unavailable: {e}')\n",
            lines=(7,), construct="swallowed-connection-error", category="cannot-fail",
        ),
        Invalid(
            "import requests\n\ndef test_login(api_url):\n    try:\n        client = requests.Session()\n        token = client.post(api_url + '/login').json()['token']\n    except requests.ConnectionError:\n        token = 'fake-token'\n    assert token\n",
            lines=(7,), construct="substitute-on-connection-error", category="cannot-fail",
        ),
    )


class SkipWhenServiceDown(_CannotFail):
    id = "MG302"
    name = "skip-when-service-down"
    summary = "A test skips itself when the service it needs does not answer"
    trigger_words = frozenset({"skip", "xfail", "skipTest", "SkipTest", "return"})
    what_it_does = """
        Flags the skip line: `pytest.skip`, `pytest.xfail`, `self.skipTest`, `raise SkipTest` or a
        bare `return` in a test, when it runs because a connection failed (inside such a handler:
        then the skip is the one site, not the `except` too) or because a live probe says the
        service is down (`if not await service_available(): pytest.skip(...)`). Skips driven by
        configuration (an environment switch, missing credentials, a tool not installed) and
        unconditional skips are not flagged.
    """
    why_bad = """
        A skipped test is green in CI. When the service the test exists to check breaks, the suite
        stays green and nobody finds out.
    """
    example = """
        async def test_chat(ws_url):
            if not await service_available(ws_url):
                pytest.skip("WebSocket server not running")
    """
    use_instead = _ADVICE
    VALID = (
        "import os, pytest\n\ndef test_chat(ws_url):\n    if not os.environ.get('RUN_E2E'):\n        pytest.skip('e2e disabled')\n    assert ws_url\n",
        "import pytest\n\ndef test_legacy():\n    pytest.skip('rewritten in test_chat_v2')\n",
    )
    INVALID = (
        Invalid(
            "import pytest\nfrom tests.integration.helpers import service_available\n\nasync def test_chat(ws_url):\n    if not await service_available(ws_url):\n        pytest.skip('server not running')\n    assert ws_url\n",
            lines=(6,), construct="skip-after-probe", category="cannot-fail",
        ),
        Invalid(
            "import pytest, redis\n\ndef test_cache(redis_url):\n    try:\n        redis.Redis.from_url(redis_url).ping()\n    except redis.ConnectionError:\n        pytest.skip('redis down')\n",
            lines=(7,), construct="skip-on-connection-error", category="cannot-fail",
        ),
    )


class SkipifLiveProbe(_CannotFail):
    id = "MG303"
    name = "skipif-live-probe"
    summary = "A `skipif` marker skips tests when a live probe says the service is down (warning by default)"
    default_severity = "warning"
    trigger_words = frozenset({"skipif", "skipIf", "skipUnless", "xfail"})
    what_it_does = """
        Flags a `pytest.mark.skipif(...)` (or `unittest.skipIf`/`skipUnless`) marker whose
        condition asks a live service (`skipif(not redis_up(), ...)`), as a decorator or in
        `pytestmark`. Reported at `warning` by default, since teams differ on it: set
        `severity: {MG303: error}` in the rules file to block on it, or `off` to drop it. A
        condition that reads configuration (`os.environ`, a missing tool or credentials) is not
        flagged.
    """
    why_bad = """
        The marker turns "the service is down" into "skipped": the suite is green while the
        service it tests is broken.
    """
    example = """
        @pytest.mark.skipif(not redis_available(), reason="redis not running")
        def test_cache(): ...
    """
    use_instead = _ADVICE
    VALID = (
        "import os, pytest\n\n@pytest.mark.skipif(not os.environ.get('REDIS_URL'), reason='no redis configured')\ndef test_cache():\n    assert True is not False\n",
    )
    INVALID = (
        Invalid(
            "import pytest\nfrom tests.integration.helpers import redis_available\n\n@pytest.mark.skipif(not redis_available(), reason='redis not running')\ndef test_cache(redis_client):\n    redis_client.set('k', 'v')\n    assert redis_client.get('k') == b'v'\n",
            lines=(4,), construct="skipif-live-probe", category="cannot-fail",
        ),
    )


class AssertionCannotFail(_CannotFail):
    id = "MG304"
    name = "assertion-cannot-fail"
    summary = "An assertion that holds whatever the service did"
    trigger_words = frozenset({"assert", "assertTrue", "assertGreaterEqual"})
    what_it_does = """
        Flags `assert True` (or any truthy constant), `assert <x> or True`, `assert len(x) >= 0`,
        a count of things `>= 0`, and an `or` whose alternative was asserted just before.
    """
    why_bad = """
        The assertion is the test's only way to fail; one that always holds makes the test green
        when the service returns nothing, an error, or never answers.
    """
    example = """
        rows = await db.fetch("SELECT * FROM messages")
        assert len(rows) >= 0
    """
    use_instead = """
        Assert the value the service must have produced: `assert [r["text"] for r in rows] == ["hi"]`.
    """
    VALID = ("def test_rows(db):\n    rows = db.fetch('SELECT 1')\n    assert len(rows) >= 1\n",)
    INVALID = (
        Invalid("def test_rows(db):\n    rows = db.fetch('SELECT 1')\n    assert len(rows) >= 0\n", lines=(3,), construct="assertion-cannot-fail", category="cannot-fail"),
        Invalid("def test_send(client):\n    response = client.post('/send')\n    assert response.ok or True\n", lines=(3,), construct="assertion-cannot-fail"),
    )


class UncheckedStatusHelper(_CannotFail):
    id = "MG305"
    name = "unchecked-status-helper"
    summary = "A helper turns a connection failure into False/None that no caller asserts, or into a made-up success"
    trigger_words = frozenset({"except"})
    what_it_does = """
        Flags the `except` line of a helper (a function in a gated file that is not a test or a
        fixture) that turns a connection failure into `False`, `None` or an error value, when the
        callers the change shows only branch or skip on it; not when a caller asserts what it
        returns. A helper that returns a made-up success (`True`, `"ok"`, `{"status": "ok"}`)
        when the connection failed is always flagged.
    """
    why_bad = """
        The helper hides the failure from the test: the caller branches around the broken service
        and the test passes.
    """
    example = """
        def send_message(ws, text):
            try:
                ws.send(text)
                return True
            except Exception:
                return False
    """
    use_instead = _ADVICE
    VALID = (
        "import requests\n\ndef fetch_status(url):\n    try:\n        return requests.get(url, timeout=2).status_code\n    except requests.ConnectionError:\n        return None\n\ndef test_health(url):\n    assert fetch_status(url) == 200\n",
    )
    INVALID = (
        Invalid(
            "import requests\n\ndef post_event(url, event):\n    try:\n        requests.post(url, json=event, timeout=2)\n    except requests.ConnectionError:\n        return {'status': 'ok'}\n\ndef test_event(url):\n    post_event(url, {'kind': 'x'})\n",
            lines=(6,), construct="made-up-success", category="cannot-fail",
        ),
    )

