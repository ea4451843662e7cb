"""MG109: a mocking library imported by a change that adds no use of it (yet)."""

from __future__ import annotations

from .base import Invalid, Rule


class MockImport(Rule):
    id = "MG109"
    name = "mock-import-in-integration-test"
    summary = "An integration test imports a mocking library"
    what_it_does = """
        Flags a new import of `unittest.mock`, `mock`, `pytest_mock` or an HTTP, cloud or time
        mocking library, but only when the same change adds no use of it in that file: a use is
        flagged on its own line, and the import next to it would only repeat it. An import that
        only repeats or extends what the file already imported is not flagged.
    """
    why_bad = """
        An import added for later use is how a mock slips in unseen: the next change only has to
        use it. In an integration test there should be nothing to import it for.
    """
    example = """
        from unittest.mock import AsyncMock
    """
    use_instead = """
        Remove the import, and build the test on real connections (see the other rules' templates).
    """
    message = "New import of the mocking library {library} in {kind}; {fix}."
    VALID = ("import json\nfrom app import mocks_catalog\n",)
    INVALID = (
        Invalid("from unittest.mock import AsyncMock\n\ndef test_x():\n    pass\n", lines=(1,), construct="import"),
        Invalid("import respx\n", lines=(1,), construct="import"),
    )
