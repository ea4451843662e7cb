"""MG104: pytest-mock's `mocker` fixture."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
else:
    from ..lazy import libcst as cst  # loaded on first use

from .base import Draft, Invalid, Library, Rule, UseContext
from .mock_objects import mock_object_draft
from .patching import patch_draft

MOCKER = "pytest_mock.MockerFixture"
PYTEST_MOCK = Library(
    "pytest_mock",
    modules=("pytest_mock",),
    aliases=(("pytest_mock.plugin.MockerFixture", MOCKER), ("pytest_mock.MockFixture", MOCKER)),
    fixtures={name: MOCKER for name in ("mocker", "module_mocker", "class_mocker", "package_mocker", "session_mocker")},
    annotation_types=(MOCKER,),
    labels=("pytest-mock",),
)
MOCKER_PATCHERS = {"patch", "patch.object", "patch.dict", "patch.multiple"}
MOCKER_OBJECTS = {
    "Mock",
    "MagicMock",
    "AsyncMock",
    "NonCallableMock",
    "NonCallableMagicMock",
    "PropertyMock",
    "create_autospec",
    "mock_open",
    "stub",
    "async_stub",
}


class MockerFixture(Rule):
    id = "MG104"
    name = "pytest-mock-in-integration-test"
    summary = "An integration test patches or builds mocks through pytest-mock's `mocker`"
    what_it_does = """
        Flags each new `mocker.patch(...)` (and `.object`, `.dict`, `.multiple`) and each mock
        built through the fixture (`mocker.MagicMock()`, `mocker.AsyncMock()`, `mocker.stub()`, ...).
        The `mocker` parameter itself is not flagged: it does nothing until it is used.
    """
    why_bad = """
        `mocker.patch` is `unittest.mock.patch` with automatic undo: the code under test still
        talks to a stand-in, so the integration test proves nothing about the real collaborator.
    """
    example = """
        def test_fetch_profile(mocker, client):
            mocker.patch("app.clients.http.get", return_value={"name": "ada"})
            assert client.get("/profile").json()["name"] == "ada"
    """
    use_instead = """
        Start a real HTTP server on 127.0.0.1 that answers like the remote service, point the
        app's base URL at it, and let the real client make the request.
    """
    VALID = (
        "def test_x(mocker):\n    assert 1 + 1 == 2\n",
        "def test_x(mocker):\n    spy = mocker.spy(service, 'run')\n",
    )
    INVALID = (
        Invalid("def test_x(mocker):\n    mocker.patch('app.clients.http.get')\n", lines=(2,), construct="mocker.patch", category="http"),
        Invalid(
            "from pytest_mock import MockerFixture\n\ndef test_x(m: MockerFixture):\n    session = m.AsyncMock()\n    m.patch.object(Repo, 'save')\n",
            lines=(4, 5),
        ),
    )

    libraries = (PYTEST_MOCK,)
    trigger_words = frozenset({"patch", "object", "dict", "multiple", *MOCKER_OBJECTS})

    def on_call(self, qualified: str, call: cst.Call, ctx: UseContext) -> Draft | None:
        if not qualified.startswith(MOCKER + "."):
            return None
        member = qualified[len(MOCKER) + 1 :]
        if member in MOCKER_PATCHERS:
            return patch_draft(f"mocker.{member}", call, ctx, "pytest-mock")
        if member in MOCKER_OBJECTS:
            return mock_object_draft(f"mocker.{member}", call, ctx, "pytest-mock")
        return None
