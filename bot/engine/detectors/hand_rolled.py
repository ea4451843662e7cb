"""MG203: a part of the system under test replaced without a mocking library (found by `bot.engine.arrivals`)."""

from __future__ import annotations

from typing import ClassVar

from .base import Invalid, Rule


class HandRolledPatch(Rule):
    id = "MG203"
    name = "hand-rolled-patch-in-integration-test"
    # Found by following names through the head tree (bot.engine.arrivals), not by the word prefilter.
    prefilter: ClassVar[bool] = False
    summary = "An integration test replaces part of the system under test by assignment, without a mock library"
    what_it_does = """
        Flags, on added lines of an integration test: an assignment to an attribute of an imported
        module or class (`mailer.send = fake`, `SmtpClient.deliver = fake`), the builtin
        `setattr(imported, "name", value)`, `sys.modules["x"] = ...`, and FastAPI's
        `app.dependency_overrides[dep] = ...` with a fake or a lambda. The category comes from the
        target, as for `patch`. Attributes of objects the test created (`client.timeout = 5`) and
        constants (`settings.DEBUG = True`) are configuration; a value that is itself real (read
        from a fixture that provides no mock, or made by a real client's constructor) replaces
        nothing with a fake. `monkeypatch.setattr(settings, "REDIS_URL", redis_server.url)`, with the
        value from a real-service fixture, is tolerated like an environment variable and listed
        under `tolerated`.
    """
    why_bad = """
        `mailer.send = lambda *a: None` is `patch("app.mailer.send")` without the library: the
        test runs against the replacement, and nothing undoes it for the tests that follow.
    """
    example = """
        from app import mailer

        def test_signup(client):
            mailer.send = lambda *a, **k: None
            assert client.post("/signup", json={...}).status_code == 201
    """
    use_instead = """
        Run the real collaborator on loopback (an SMTP server such as aiosmtpd in a fixture, a real
        database session for `dependency_overrides`) and assert on what it received.
    """
    VALID = (
        # An attribute of an object the test created is configuration.
        "from app.client import Client\n\ndef test_x():\n    client = Client()\n    client.timeout = 5\n",
        # An override that yields a real session from a fixture.
        "from app.main import app\nfrom app.db import get_db\n\ndef test_x(db_session):\n"
        "    app.dependency_overrides[get_db] = lambda: db_session\n",
        # A constant configures.
        "from app import settings\n\ndef test_x():\n    settings.DEBUG = True\n",
        # A real client's constructor.
        "import redis\nfrom app import cache\n\ndef test_x(redis_server):\n"
        "    cache.client = redis.Redis(port=redis_server.port)\n",
        # A setting pointed at a real test service from a fixture: tolerated, not a finding.
        "import pytest\nfrom app import settings\n\n@pytest.fixture\ndef redis_server():\n    return start_redis()\n\n"
        "def test_x(monkeypatch, redis_server):\n    monkeypatch.setattr(settings, 'REDIS_URL', redis_server.url)\n",
    )
    INVALID = (
        Invalid("from app import mailer\n\ndef test_x():\n    mailer.send = lambda *a: None\n", lines=(4,), construct="attribute assignment"),
        Invalid(
            "from app.mail import SmtpClient\n\ndef fake_deliver(*args):\n    return True\n\n"
            "def test_x():\n    setattr(SmtpClient, 'deliver', fake_deliver)\n",
            lines=(7,),
            construct="setattr",
        ),
        Invalid("import sys\n\ndef test_x():\n    sys.modules['redis'] = object()\n", lines=(4,), construct="sys.modules", category="redis"),
        Invalid(
            "from app.main import app\nfrom app.db import get_db\n\nclass FakeSession:\n    pass\n\n"
            "def test_x():\n    app.dependency_overrides[get_db] = lambda: FakeSession()\n",
            lines=(8,),
            construct="dependency_overrides",
            category="database",
        ),
    )
