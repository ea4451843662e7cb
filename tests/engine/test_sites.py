"""What is a mock-usage site: name resolution, the constructs that count and the ones that do not,
positions, categories, finding fields, suppressions and which files are checked.

Each case is a newly added file (every line added), analysed by the engine as a pure function."""

from __future__ import annotations

import textwrap

import pytest

from bot.engine.analyse import analyse
from bot.engine.diff import lines_from_texts
from bot.engine.model import CATEGORIES, FileChange, Report
from bot.engine.rules import RULES

INTEGRATION = "tests/integration/test_example.py"


def added(code: str, path: str = INTEGRATION) -> Report:
    code = textwrap.dedent(code)
    lines, _ = lines_from_texts(None, code)
    return analyse([FileChange(path, None, None, code, lines, status="added")])


def found(report: Report) -> list[tuple[int, str]]:
    """(line, construct) of each finding, sorted."""
    return sorted((f.line, f.construct) for f in report.findings)


# --- name resolution ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param(
            """
            import unittest.mock as um

            def test_x():
                with um.patch("app.db.session"):
                    pass
            """,
            [(5, "patch")],
            id="module-alias",
        ),
        pytest.param(
            """
            from unittest import mock

            def test_x():
                with mock.patch.object(Client, "send"):
                    pass
            """,
            [(5, "patch.object")],
            id="from-unittest-import-mock",
        ),
        pytest.param(
            """
            from mock import MagicMock

            def test_x():
                client = MagicMock()
            """,
            [(5, "MagicMock")],
            id="mock-backport",
        ),
        pytest.param(
            """
            from unittest.mock import patch as swap, AsyncMock as Fake

            def test_x():
                with swap("app.db.session"):
                    session = Fake()
            """,
            [(5, "patch"), (6, "AsyncMock")],
            id="imported-names-under-aliases",
        ),
        pytest.param(
            """
            import unittest.mock

            def test_x():
                unittest.mock.patch.multiple("app.cache", get=1, put=2).start()
            """,
            [(5, "patch.multiple")],
            id="fully-qualified",
        ),
    ],
)
def test_names_resolve_through_imports(code, expected):
    assert found(added(code)) == expected


def test_a_local_function_called_patch_is_not_a_mock():
    report = added(
        """
        def patch(path, value):
            return {path: value}

        def MagicMock():
            return 1

        def test_x():
            patch("app.db.session", 1)
            MagicMock()
        """
    )
    assert report.findings == ()


def test_a_parameter_shadowing_an_import_is_not_a_mock():
    report = added(
        """
        from unittest.mock import patch

        def test_real():
            with patch("app.ws.manager"):
                pass

        def test_other(patch):
            patch("not.a.mock")
        """
    )
    assert found(report) == [(5, "patch")]




def test_a_name_rebound_in_a_function_is_not_a_mock_there():
    report = added(
        """
        from unittest.mock import patch

        def test_real():
            with patch("app.ws.manager"):
                pass

        def test_other():
            patch = make_patcher()
            patch("not.a.mock")
        """
    )
    assert found(report) == [(5, "patch")]


def test_a_name_redefined_after_its_import_is_not_a_mock():
    report = added(
        """
        from unittest.mock import patch

        def patch(target):
            return target

        def test_x():
            patch("not.a.mock")
        """
    )
    assert found(report) == [(2, "import")]


# --- the patch family and mock objects ------------------------------------------------------------


def test_each_chained_patch_in_one_with_is_its_own_site():
    report = added(
        """
        from unittest.mock import patch

        def test_x():
            with patch("app.db.session") as db, patch.object(Client, "send"), patch.dict(CONFIG, {"a": 1}):
                pass
        """
    )
    assert found(report) == [(5, "patch"), (5, "patch.dict"), (5, "patch.object")]
    line = report.findings[0].code
    indent = 4  # `code` is stripped; columns count from the line's start
    expected = [indent + line.index(word) + 1 for word in ('patch("', "patch.object", "patch.dict")]
    assert sorted(f.column for f in report.findings) == expected


def test_decorators_are_sites():
    report = added(
        """
        from unittest.mock import patch

        @patch("app.redis_client")
        @patch.object(Mailer, "send")
        def test_x(mailer, redis):
            pass
        """
    )
    assert found(report) == [(4, "patch"), (5, "patch.object")]


def test_mock_constructions_nested_in_arguments_lists_and_dicts():
    report = added(
        """
        from unittest.mock import Mock, MagicMock, AsyncMock, NonCallableMock, PropertyMock, create_autospec

        def test_x():
            run(handler=Mock(), clients=[MagicMock(), AsyncMock()], cfg={"a": {"b": NonCallableMock()}})
            type(obj).size = PropertyMock(return_value=3)
            session = create_autospec(Session, instance=True)
        """
    )
    assert found(report) == [
        (5, "AsyncMock"),
        (5, "MagicMock"),
        (5, "Mock"),
        (5, "NonCallableMock"),
        (6, "PropertyMock"),
        (7, "create_autospec"),
    ]


def test_a_name_bound_to_a_mock_class_at_module_level():
    report = added(
        """
        from unittest.mock import AsyncMock

        db = AsyncMock
        """
    )
    assert found(report) == [(4, "mock-class-alias")]
    assert report.findings[0].rule == "MG103"


def test_a_call_over_several_lines_is_one_site_on_its_first_line():
    report = added(
        """
        from unittest.mock import patch

        def test_x():
            with patch(
                "app.services.thread_service.create_websocket_manager",
                autospec=True,
            ) as manager:
                pass
        """
    )
    [finding] = report.findings
    assert (finding.line, finding.end_line) == (5, 8)


# --- pytest-mock and monkeypatch --------------------------------------------------------------


def test_pytest_mock_fixture_uses_are_sites():
    report = added(
        """
        def test_x(mocker):
            mocker.patch("app.clients.http.get")
            mocker.patch.object(Repo, "save")
            client = mocker.MagicMock()
            session = mocker.AsyncMock(spec=Session)
        """
    )
    assert found(report) == [(3, "mocker.patch"), (4, "mocker.patch.object"), (5, "mocker.MagicMock"), (6, "mocker.AsyncMock")]
    assert {f.rule for f in report.findings} == {"MG104"}


def test_monkeypatch_replacements_are_sites_and_environment_is_tolerated():
    report = added(
        """
        import os

        def test_x(monkeypatch, tmp_path):
            monkeypatch.setattr("app.events.queue.publish", print)
            monkeypatch.delattr(Client, "retry")
            monkeypatch.setitem(SETTINGS, "mode", "fast")
            monkeypatch.delitem(SETTINGS, "cache")
            monkeypatch.syspath_prepend(tmp_path)
            monkeypatch.setenv("APP_MODE", "test")
            monkeypatch.delenv("HOME")
        """
    )
    assert found(report) == [
        (5, "monkeypatch.setattr"),
        (6, "monkeypatch.delattr"),
        (7, "monkeypatch.setitem"),
        (8, "monkeypatch.delitem"),
        (9, "monkeypatch.syspath_prepend"),
    ]
    assert sorted((f.line, f.construct) for f in report.tolerated) == [(10, "monkeypatch.setenv"), (11, "monkeypatch.delenv")]
    assert all(f.reason for f in report.tolerated)
    assert report.findings[0].target == "app.events.queue.publish"


def test_patch_dict_of_the_environment_is_tolerated_with_a_reason():
    report = added(
        """
        import os
        from unittest.mock import patch

        def test_x():
            with patch.dict(os.environ, {"APP_MODE": "test"}):
                pass
        """
    )
    assert report.findings == ()
    [tolerated] = report.tolerated
    assert (tolerated.line, tolerated.construct, tolerated.category) == (6, "patch.dict", "generic")
    assert tolerated.reason


# --- HTTP, cloud and time mocking libraries ---------------------------------------------------


@pytest.mark.parametrize(
    ("code", "line", "category"),
    [
        pytest.param("import responses\n\n@responses.activate\ndef test_x():\n    pass\n", 3, "http", id="responses"),
        pytest.param("import responses as rs\n\n@rs.activate\ndef test_x():\n    pass\n", 3, "http", id="responses-alias"),
        pytest.param("import respx\n\n@respx.mock\ndef test_x():\n    pass\n", 3, "http", id="respx"),
        pytest.param("from respx import mock as http_mock\n\ndef test_x():\n    with http_mock:\n        pass\n", 4, "http", id="respx-alias"),
        pytest.param("import requests_mock\n\ndef test_x():\n    with requests_mock.Mocker() as m:\n        pass\n", 4, "http", id="requests_mock"),
        pytest.param("from aioresponses import aioresponses\n\ndef test_x():\n    with aioresponses() as m:\n        pass\n", 4, "http", id="aioresponses"),
        pytest.param("import httpretty\n\n@httpretty.activate\ndef test_x():\n    pass\n", 3, "http", id="httpretty"),
        pytest.param("from moto import mock_aws\n\n@mock_aws\ndef test_x():\n    pass\n", 3, None, id="moto"),
        pytest.param("import moto as m\n\ndef test_x():\n    with m.mock_s3():\n        pass\n", 4, None, id="moto-alias"),
        pytest.param("from freezegun import freeze_time\n\n@freeze_time('2024-01-01')\ndef test_x():\n    pass\n", 3, "time", id="freezegun"),
        pytest.param("from freezegun import freeze_time as frozen\n\ndef test_x():\n    with frozen('2024-01-01'):\n        pass\n", 4, "time", id="freezegun-alias"),
        pytest.param("import time_machine\n\n@time_machine.travel('2024-01-01')\ndef test_x():\n    pass\n", 3, "time", id="time_machine"),
    ],
)
def test_mocking_libraries_resolve_by_qualified_name(code, line, category):
    report = added(code)
    assert [f.line for f in report.findings] == [line]
    if category:
        assert report.findings[0].category == category


def test_library_names_that_are_not_imported_are_not_resolved():
    report = added(
        """
        class responses:
            @staticmethod
            def activate(f):
                return f

        @responses.activate
        def test_x():
            freeze_time = lambda when: when
            freeze_time("2024-01-01")
        """
    )
    assert report.findings == ()


# --- imports ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "module", ["import unittest.mock", "from unittest.mock import AsyncMock", "import mock", "import pytest_mock", "import respx", "from moto import mock_aws", "import freezegun"]
)
def test_an_import_without_a_use_is_a_finding(module):
    report = added(f"{module}\n\n\ndef test_x():\n    pass\n")
    assert [(f.line, f.rule, f.construct) for f in report.findings] == [(1, "MG109", "import")]


def test_an_import_next_to_a_new_use_is_not_reported_twice():
    report = added(
        """
        from unittest.mock import AsyncMock

        def test_x():
            session = AsyncMock()
        """
    )
    assert [(f.line, f.rule) for f in report.findings] == [(5, "MG102")]


# --- what is not a site ----------------------------------------------------------------------------

NOT_SITES = {
    "configuring an existing mock": """
        def test_x(manager):
            manager.return_value.broadcast.return_value = None
            manager.side_effect = [1, 2]
            manager.assert_called_once_with(1)
            assert manager.call_count == 1
        """,
    "fixture parameters": """
        def test_x(mocker, monkeypatch, respx_mock, httpx_mock):
            pass
        """,
    "a hand-written fake named like a mock": """
        class MockClient:
            def send(self, message):
                return "sent"

        class MagicMockery:
            pass

        def test_x():
            client = MockClient()
            assert client.send("hi") == "sent"
        """,
    "comments, docstrings and strings": '''
        def test_x():
            """We used to patch("app.db") with MagicMock() and mocker.patch here."""
            # with patch("app.db.session"): AsyncMock()
            note = "patch('app.db') and MagicMock()"
            assert note
        ''',
    "the word mock in identifiers": """
        def test_mock_free(mock_server_url, unmocked_client):
            mock_count = 0
            assert unmocked_client.get(mock_server_url).ok
        """,
}


@pytest.mark.parametrize("code", list(NOT_SITES.values()), ids=list(NOT_SITES))
def test_not_a_site(code):
    assert added(code).findings == ()


def test_references_to_an_existing_mock_and_patcher_start_stop_are_not_sites():
    report = added(
        """
        from unittest.mock import patch, MagicMock

        def test_x():
            patcher = patch("app.redis_client")
            client = patcher.start()
            other = client
            client.get.return_value = b"1"
            patcher.stop()
            helper = MagicMock()
            use(helper, helper.child)
        """
    )
    assert found(report) == [(5, "patch"), (10, "MagicMock")]


def test_dependency_overrides_are_not_sites_but_the_mock_they_install_is():
    report = added(
        """
        from unittest.mock import AsyncMock
        from app.main import app, get_db, get_cache

        def test_x(fake_db):
            app.dependency_overrides[get_db] = lambda: fake_db
            app.dependency_overrides[get_cache] = lambda: AsyncMock()
        """
    )
    assert found(report) == [(7, "AsyncMock")]
    [finding] = report.findings
    assert finding.column == 4 + finding.code.index("AsyncMock") + 1


# --- categories and finding fields ----------------------------------------------------------------


def test_category_of_a_websocket_patch_and_fields_of_a_finding():
    report = added(
        """
        from unittest.mock import patch

        @patch("app.services.thread_service.create_websocket_manager")
        def test_thread_updates(manager, client):
            client.post("/threads/1/messages")
        """
    )
    [finding] = report.findings
    assert finding.path == INTEGRATION
    assert (finding.line, finding.column, finding.end_line) == (4, 2, 4)
    assert finding.construct == "patch"
    assert finding.target == "app.services.thread_service.create_websocket_manager"
    assert finding.category == "websocket"
    assert finding.rule == "MG101" and finding.rule in RULES
    assert finding.severity == "error"
    assert "app.services.thread_service.create_websocket_manager" in finding.message
    assert finding.template and "def test_" in finding.template
    assert finding.code == '@patch("app.services.thread_service.create_websocket_manager")'
    assert finding.reason is None
    assert report.blocking == report.findings


@pytest.mark.parametrize(
    ("site", "category"),
    [
        ('patch("app.db.session.get_session")', "database"),
        ('patch("app.cache.redis_client")', "redis"),
        ('patch("app.clients.http.get")', "http"),
        ('patch("app.llm.openai_client")', "llm"),
        ('patch("app.auth.verify_token")', "auth"),
        ('patch("app.events.queue.publish")', "queue"),
    ],
)
def test_category_is_inferred_from_the_target(site, category):
    report = added(f"from unittest.mock import patch\n\n\ndef test_x():\n    with {site}:\n        pass\n")
    assert [f.category for f in report.findings] == [category]
    assert category in CATEGORIES


def test_category_from_spec_and_bound_name():
    report = added(
        """
        from unittest.mock import AsyncMock, MagicMock

        def test_x(service):
            service.db = AsyncMock()
            ws_manager = MagicMock()
        """
    )
    assert [f.category for f in sorted(report.findings, key=lambda f: f.line)] == ["database", "websocket"]


# --- suppressions ----------------------------------------------------------------------------------


def test_suppression_with_a_reason_on_the_line_or_above():
    report = added(
        """
        from unittest.mock import patch

        def test_x():
            with patch("app.mailer.send"):  # mockguard: allow the mail relay has no test instance
                pass
            # mockguard: allow the SMS gateway bills per message
            with patch("app.sms.send"):
                pass
        """
    )
    assert report.findings == ()
    assert sorted((f.line, f.reason) for f in report.suppressed) == [
        (5, "the mail relay has no test instance"),
        (8, "the SMS gateway bills per message"),
    ]


def test_suppression_without_a_reason_is_a_finding_and_the_site_stays_reported():
    report = added(
        """
        from unittest.mock import patch

        def test_x():
            with patch("app.mailer.send"):  # mockguard: allow
                pass
        """
    )
    assert sorted((f.line, f.rule) for f in report.findings) == [(5, "MG101"), (5, "MG110")]
    assert report.suppressed == ()


def test_a_suppression_inside_a_string_does_not_suppress():
    report = added(
        """
        from unittest.mock import patch

        def test_x():
            with patch("app.mailer.send # mockguard: allow inside a string"):
                pass
        """
    )
    assert [f.rule for f in report.findings] == ["MG101"]
    assert report.suppressed == ()


# --- which files -----------------------------------------------------------------------------------

A_MOCK = "from unittest.mock import MagicMock\n\nclient = MagicMock()\n"


@pytest.mark.parametrize(
    "path",
    [
        "tests/integration/test_api.py",
        "tests/integration_tests/test_api.py",
        "tests/e2e/test_flow.py",
        "tests/e2e_debug/test_flow.py",
        "tests/websocket_e2e_tests/test_ws.py",
        "tests/integration/conftest.py",
        "tests/integration/helpers/clients.py",
        "integration/test_root.py",
    ],
)
def test_integration_and_e2e_files_count(path):
    assert [f.line for f in added(A_MOCK, path).findings] == [3]


@pytest.mark.parametrize(
    "path",
    [
        "tests/unit/test_api.py",
        "tests/integration/unit/test_api.py",
        "tests/unit/integration/test_api.py",
        "tests/test_api.py",
        "tests/integration/notes.txt",
        "tests/integration/fixtures.pyi",
        "app/test_integration.py",
    ],
)
def test_other_files_are_ignored(path):
    report = added(A_MOCK, path)
    assert report.findings == () and report.files_checked == ()


def test_the_site_visitor_has_no_per_attribute_hooks_and_calls_its_own_methods():
    """SiteVisitor skips libcst's per-attribute hooks and its no-op stubs: that is the same visit
    only while it defines no `visit_<Type>_<attribute>` method, and while its own methods run."""
    import libcst as cst

    from bot.engine.sites import SiteVisitor

    node_types = {name for name in dir(cst) if isinstance(getattr(cst, name), type) and issubclass(getattr(cst, name), cst.CSTNode)}
    own = [name for name in vars(SiteVisitor) if name.startswith(("visit_", "leave_"))]
    assert own and all(name.split("_", 1)[1] in node_types for name in own), own
    scanned = added("from unittest.mock import patch\n\n\n@patch('app.x')\ndef test_a():\n    with patch('app.y'):\n        pass\n")
    assert [f.line for f in scanned.findings] == [4, 6]
