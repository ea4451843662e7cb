"""Detection on whole changes (issue 12), each rule on a small real git repository judged by
`mockguard check --base base --head head --format json` run as a process: every way a mocking
library is reached (§3), a new mock paired only with the same mock (§1), moves that count only
inside the gate (§2), and newer Python (§4)."""

from __future__ import annotations

import textwrap

T = "tests/integration/test_orders.py"


def run_change(repo, base: dict[str, str], head: dict[str, str]):
    repo.change({p: textwrap.dedent(t) for p, t in base.items()}, {p: textwrap.dedent(t) for p, t in head.items()})
    run = repo.check_change()
    assert run.returncode in (0, 1), run.stderr
    return run


def found(repo, head: str, base: str | None = None, *, extra: dict[str, str] | None = None, path: str = T) -> list[tuple[int, str]]:
    """(line, rule) of each finding when `path` goes from `base` (absent: a new file) to `head`."""
    files = dict(extra or {})
    run = run_change(repo, {**files, path: base} if base is not None else files, {**files, path: head})
    return sorted((f["line"], f["rule"]) for f in run.report["findings"] if f["path"] == path)


# --- §3 every way a mocking library is reached ---------------------------------------------------


def test_a_project_module_that_re_exports_mock_is_read_in_the_head_tree(repo):
    compat = "try:\n    from unittest import mock\nexcept ImportError:\n    import mock\nfrom unittest.mock import patch as swap\n"
    head = """\
    from tests.compat import mock, swap
    from tests.helpers import patch


    def test_pay(client):
        with mock.patch("app.payments.gateway.charge"):
            swap("app.email.send")
            patch("not a mock: the project's own helper")
    """
    helpers = "def patch(text):\n    return text\n"
    assert found(repo, head, extra={"tests/compat.py": compat, "tests/helpers.py": helpers}) == [(6, "MG101"), (7, "MG101")]


def test_a_relative_import_of_mock_is_the_library_when_the_module_is_not_in_the_tree(repo):
    head = """\
    from .. import mock


    def test_pay(client):
        mock.patch("app.payments.gateway.charge").start()
    """
    assert found(repo, head) == [(5, "MG101")]


def test_a_project_module_named_mock_that_is_a_real_fake_server_is_not_the_library(repo):
    helpers = "mock = object()  # the project's own loopback server helpers\n"
    head = """\
    from tests import mock


    def test_pay(client):
        mock.patch("app.payments.gateway.charge")
    """
    assert found(repo, head, extra={"tests/__init__.py": helpers}) == []


def test_pytest_importorskip_binds_the_library(repo):
    head = """\
    import pytest

    mock = pytest.importorskip("mock")
    yaml = pytest.importorskip("yaml")


    def test_pay(client):
        with mock.patch("app.payments.gateway.charge"):
            yaml.safe_load("a: 1")
    """
    assert found(repo, head) == [(8, "MG101")]


def test_monkeypatch_used_directly_at_module_level_and_in_setup(repo):
    head = """\
    import pytest
    from _pytest.monkeypatch import MonkeyPatch

    mp = MonkeyPatch()


    def test_pay(client):
        mp.setattr("app.payments.gateway.charge", None)


    class TestRefund:
        def setUp(self):
            self.patcher = pytest.MonkeyPatch()

        def test_refund(self):
            self.patcher.setattr("app.payments.gateway.refund", None)
    """
    assert found(repo, head) == [(8, "MG105"), (16, "MG105")]


def test_fixtures_kept_on_self_are_still_fixtures(repo):
    head = """\
    import pytest


    class TestOrders:
        @pytest.fixture(autouse=True)
        def keep(self, mocker, client):
            self.mocker = mocker
            self.client = client

        def test_create(self):
            self.mocker.patch("app.orders.queue.publish")
            self.client.patch("/orders/1", json={})
    """
    assert found(repo, head) == [(11, "MG104")]


def test_instantiating_a_class_derived_from_a_mock_class_builds_a_mock(repo):
    head = """\
    from unittest.mock import MagicMock


    class RecordingSession(MagicMock):
        pass


    class FakeSession:
        pass


    def test_create(client):
        session = RecordingSession()
        other = FakeSession()
    """
    assert found(repo, head) == [(13, "MG102")]


def test_http_cloud_and_clock_fakes_beyond_the_big_libraries(repo):
    head = """\
    import httpx
    import requests_mock
    from botocore.stub import Stubber


    def test_fetch(freezer, s3_client):
        transport = httpx.MockTransport(lambda request: httpx.Response(200))
        stubber = Stubber(s3_client)
        adapter = requests_mock.Adapter()
        assert httpx.Client(transport=transport)


    def test_real(s3_client, clock):
        assert httpx.get("http://127.0.0.1:8000/health").status_code == 200
    """
    assert found(repo, head) == [(6, "MG108"), (7, "MG106"), (8, "MG107"), (9, "MG106")]


def test_fixture_registrations_are_sites_unless_they_pass_through(repo):
    base = """\
    def test_fetch(respx_mock, requests_mock):
        respx_mock.get("https://api.example.com/a")
    """
    head = """\
    def test_fetch(respx_mock, requests_mock):
        respx_mock.get("https://api.example.com/a")
        respx_mock.get("https://api.example.com/b")
        respx_mock.route(host="127.0.0.1").pass_through()
        requests_mock.get("http://127.0.0.1:9000", real_http=True)
        requests_mock.post("https://api.example.com/c")
    """
    assert found(repo, head, base) == [(3, "MG106"), (6, "MG106")]


def test_any_sentinel_call_default_and_spy_are_not_mocks(repo):
    head = """\
    from unittest.mock import ANY, DEFAULT, call, sentinel


    def test_rows(db, mocker):
        spy = mocker.spy(db, "execute")
        assert db.rows() == [ANY]
    """
    assert found(repo, head) == []


def test_an_import_of_a_real_mock_next_to_any_is_still_an_import_finding(repo):
    head = "from unittest.mock import ANY, patch\n\n\ndef test_rows(db):\n    assert db.rows() == [ANY]\n"
    assert found(repo, head) == [(1, "MG109")]


def test_every_form_of_environment_patching_is_tolerated(repo):
    head = """\
    import os
    from os import environ as env
    from unittest.mock import patch


    def test_settings(monkeypatch, mocker):
        monkeypatch.setitem(os.environ, "REGION", "eu")
        with patch("os.environ", {"REGION": "eu"}):
            pass
        with patch.dict(env, {"REGION": "eu"}):
            pass
        mocker.patch.dict(os.environ, {"REGION": "eu"})
        monkeypatch.setenv("REGION", "eu")
    """
    run = run_change(repo, {}, {T: head})
    assert run.report["findings"] == []
    assert sorted(f["line"] for f in run.report["tolerated"]) == [7, 8, 10, 12, 13]


def test_patching_a_dict_that_is_not_the_environment_is_not_tolerated(repo):
    head = """\
    from unittest.mock import patch

    SETTINGS = {}


    def test_settings(monkeypatch):
        monkeypatch.setitem(SETTINGS, "region", "eu")
        with patch.dict(SETTINGS, {"region": "eu"}):
            pass
    """
    assert found(repo, head) == [(7, "MG105"), (8, "MG101")]
