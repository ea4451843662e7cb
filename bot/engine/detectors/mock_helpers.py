"""MG202: a new call to a project function that returns or installs a mock (found by `bot.engine.arrivals`)."""

from __future__ import annotations

from typing import ClassVar

from .base import Invalid, Rule


class MockReturningHelper(Rule):
    id = "MG202"
    name = "mock-returning-helper-in-integration-test"
    # Found by following names through the head tree (bot.engine.arrivals), not by the word prefilter.
    prefilter: ClassVar[bool] = False
    summary = "An integration test newly calls a helper of the project that builds or installs a mock"
    what_it_does = """
        Follows each new call in an integration test to a function of the project (defined in the
        same file, or imported from one of the repository's own modules, read from the head tree)
        and flags it when the function's body builds or installs a mock, directly or through
        another such helper. One finding per test and helper, on the first new call; library
        functions are not followed.
    """
    why_bad = """
        `db = fake_db()` gives the test a MagicMock as surely as `MagicMock()` on that line would;
        hiding it in a helper only hides it from review.
    """
    example = """
        # tests/support/fakes.py
        def fake_db():
            return AsyncMock(spec=Session)

        # tests/integration/test_orders.py
        def test_orders():
            db = fake_db()
    """
    use_instead = """
        Build the real collaborator in the helper (a session on a real test database, a client on a
        loopback server), or keep the helper for unit tests.
    """
    VALID = (
        "import sqlite3\n\ndef make_db(path):\n    return sqlite3.connect(path)\n\n"
        "def test_x(tmp_path):\n    db = make_db(tmp_path / 'x.db')\n    assert db\n",
    )
    INVALID = (
        Invalid(
            "from unittest.mock import AsyncMock\n\ndef fake_db():\n    return AsyncMock()  # mockguard: allow the unit suite's stand-in\n\n"
            "def test_x():\n    db = fake_db()\n    assert db\n",
            lines=(7,),
            category="database",
        ),
        Invalid(
            "from unittest import mock\n\ndef install_fake_mailer():\n"
            "    mock.patch('app.mailer.send').start()  # mockguard: allow the unit suite's helper\n\n"
            "def test_x():\n    install_fake_mailer()\n",
            lines=(7,),
            construct="helper",
        ),
    )
