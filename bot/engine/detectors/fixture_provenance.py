"""MG201: a test newly depends on a fixture that provides a mock (found by `bot.engine.arrivals`)."""

from __future__ import annotations

from typing import ClassVar

from .base import Invalid, Rule


class MockProvidingFixture(Rule):
    id = "MG201"
    name = "mock-providing-fixture-in-integration-test"
    # Found by following names through the head tree (bot.engine.arrivals), not by the word prefilter.
    prefilter: ClassVar[bool] = False
    summary = "An integration test newly requests a fixture that builds or installs a mock"
    what_it_does = """
        Resolves every fixture a test newly depends on as pytest does, from the head tree: the test's
        class and module, the `conftest.py` files from the test's folder up to the repository root,
        fixtures imported into them, `pytest_plugins` inside the repository, `usefixtures` (marks and
        the pytest configuration), `name=` overrides and nearer fixtures overriding farther ones. A
        fixture provides a mock when its body builds or installs one (any site mockguard finds, a
        hand-rolled patch included) or when a fixture it requests does. The finding stands on the
        added line that creates the dependency (the new parameter, the `usefixtures` mark, the new
        autouse fixture) and shows the chain: test -> fixture -> the line that builds the mock.
        Parametrize arguments replace a fixture of the same name and are never findings; a
        dependency the test already had is not new; a mock that the change itself builds is
        reported where it is built, not again at each test that uses it.
    """
    why_bad = """
        The mock is still there, only one file away: a test that asks for `mock_llm` from a
        conftest runs against a MagicMock exactly as if it had patched the client itself, and it
        keeps passing while the real integration is broken.
    """
    example = """
        # tests/conftest.py
        @pytest.fixture
        def mock_llm():
            return MagicMock(spec=LLMClient)

        # tests/integration/test_answers.py
        def test_answers(mock_llm):
            assert answer("hi", client=mock_llm)
    """
    use_instead = """
        Request a fixture that provides the real thing (a real client pointed at a loopback server,
        a real database), or keep the mocking test among the unit tests.
    """
    VALID = (
        # A real-service fixture.
        "import pytest\n\n@pytest.fixture\ndef redis_url(tmp_path):\n    return 'redis://127.0.0.1:6390/0'\n\n"
        "def test_x(redis_url):\n    assert redis_url\n",
        # A parametrize argument replaces the fixture of the same name.
        "import pytest\nfrom unittest.mock import MagicMock\n\n@pytest.fixture\ndef llm():\n"
        "    return MagicMock()  # mockguard: allow the unit suite's stand-in\n\n"
        "@pytest.mark.parametrize('llm', ['gpt'])\ndef test_x(llm):\n    assert llm\n",
    )
    INVALID = (
        # The fixture's mock is allowed where it is built (for the unit tests); the new dependency is not.
        Invalid(
            "import pytest\nfrom unittest.mock import MagicMock\n\n@pytest.fixture\ndef llm_client():\n"
            "    return MagicMock()  # mockguard: allow shared with the unit suite\n\n"
            "def test_answer(llm_client):\n    assert llm_client.complete('hi')\n",
            lines=(8,),
            construct="fixture",
            category="llm",
        ),
        # Through a chain of fixtures, with the mock allowed where it is built: the dependency is still new.
        Invalid(
            "import pytest\nfrom unittest.mock import MagicMock\n\n@pytest.fixture\ndef session():\n"
            "    return MagicMock()  # mockguard: allow stands in for the unit suite\n\n"
            "@pytest.fixture\ndef repository(session):\n    return Repository(session)\n\n"
            "@pytest.mark.usefixtures('repository')\ndef test_x():\n    pass\n",
            lines=(12,),
            construct="fixture",
            category="database",
        ),
    )
