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


# --- §4 newer Python ------------------------------------------------------------------------------

NEWER_SYNTAX = """\
from unittest.mock import patch

type Rows = list[dict[str, int]]


def first[T](items: list[T]) -> T:
    return items[0]


def test_orders(client):
    name = "orders"
    assert f"{client.get(f"/{name}").json()["count"]}" == "1"
    with patch("app.orders.queue.publish"):
        pass
"""


def test_newer_syntax_that_libcst_reads_is_not_reported_as_unparsable(repo):
    run = run_change(repo, {}, {T: NEWER_SYNTAX})
    assert [(f["line"], f["rule"]) for f in run.report["findings"]] == [(13, "MG101")]
    assert run.report["notices"] == []


def test_a_real_syntax_error_gives_one_notice_for_the_file(repo):
    broken = "from unittest.mock import patch\n\n\ndef test_orders(client:\n    with patch('app.orders.queue.publish'):\n        pass\n"
    base_broken = broken.replace("client:", "client, :")
    run = run_change(repo, {T: base_broken}, {T: broken + "\n\ndef test_more(:\n    patch('app.db')\n"})
    notices = [n for n in run.report["notices"] if n["path"] == T]
    assert len(notices) == 1 and "does not parse" in notices[0]["message"]
    assert (10, "MG101") in [(f["line"], f["rule"]) for f in run.report["findings"]]


def test_a_file_over_the_size_limit_still_has_its_added_lines_scanned(repo):
    data = "ROWS = [\n" + "".join(f"    {{'id': {n}, 'name': 'row number {n} of the generated fixture data'}},\n" for n in range(40_000)) + "]\n"
    assert len(data) > 2_000_000
    head = "from unittest.mock import patch\n" + data + "\n\ndef test_rows(client):\n    with patch('app.rows.store'):\n        pass\n"
    run = run_change(repo, {T: "from unittest.mock import patch\n" + data}, {T: head})
    assert [(f["line"], f["rule"]) for f in run.report["findings"]] == [(head.count("\n") - 1, "MG101")]
    notices = [n for n in run.report["notices"] if n["path"] == T]
    assert len(notices) == 1 and "limit" in notices[0]["message"] and "lines the change adds were read" in notices[0]["message"]


def test_a_file_over_the_size_limit_without_a_new_mock_has_no_finding(repo):
    data = "ROWS = [\n" + "".join(f"    {{'id': {n}, 'name': 'row number {n} of the generated fixture data, mock'}},\n" for n in range(40_000)) + "]\n"
    run = run_change(repo, {T: data}, {T: data + "\n\ndef test_rows(client):\n    assert client.get('/rows').ok\n"})
    assert run.report["findings"] == []


# --- §1 a new mock is cancelled only by the same mock --------------------------------------------

PAY = """\
from unittest.mock import MagicMock, patch


def test_pay(client):
    with patch("app.payments.client.send") as send:
        client.post("/pay", json={"amount": 3})
        send.assert_called_once()
"""


def test_a_retarget_to_another_module_with_the_same_attribute_is_new(repo):
    modules = {"app/payments/client.py": "def send():\n    pass\n", "app/email/client.py": "def send():\n    pass\n"}
    assert found(repo, PAY.replace("payments", "email"), PAY, extra=modules) == [(5, "MG101")]


def test_a_retarget_to_another_class_with_the_same_method_is_new(repo):
    base = PAY.replace('patch("app.payments.client.send")', 'patch.object(PaymentsClient, "send")')
    assert found(repo, base.replace("PaymentsClient", "EmailClient"), base) == [(5, "MG101")]


def test_a_target_that_follows_its_module_moved_in_the_head_tree_is_the_same_mock(repo):
    # app/payments/client.py moved earlier to app/billing/client.py; the test catches up.
    repo.change({T: textwrap.dedent(PAY), "app/payments/client.py": "def send():\n    pass\n"}, {T: textwrap.dedent(PAY), "app/billing/client.py": "def send():\n    pass\n"})
    repo.write(T, PAY.replace("payments", "billing"))
    repo.commit("the test follows", tag="followed")
    run = repo.check_change("head", "followed")
    assert run.report["findings"] == []


def test_arguments_spec_and_autospec_edited_in_place_are_the_same_mock(repo):
    head = PAY.replace('patch("app.payments.client.send")', 'patch("app.payments.client.send", autospec=True, return_value={"ok": True})')
    assert found(repo, head, PAY) == []


def test_a_copy_for_a_new_test_is_new_while_the_edited_original_is_not(repo):
    base = """\
    from unittest.mock import patch


    def test_pay(client):
        with patch("app.payments.client.send", return_value=1):
            client.post("/pay", json={"amount": 3})
    """
    head = """\
    from unittest.mock import patch


    def test_pay(client):
        with patch("app.payments.client.send", return_value=2):
            client.post("/pay", json={"amount": 3})


    def test_refund(client):
        with patch("app.payments.client.send", return_value=1):
            client.post("/refund", json={"amount": 3})
    """
    assert found(repo, head, base) == [(10, "MG101")]


def test_a_mock_object_pairs_with_the_one_bound_to_the_same_name_in_the_same_test(repo):
    base = """\
    from unittest.mock import MagicMock


    def test_pay(client):
        gateway = MagicMock()
        client.post("/pay", json={"amount": 3}, gateway=gateway)
    """
    head = base.replace("MagicMock()", "MagicMock(spec=Gateway, name='gateway')")
    assert found(repo, head, base) == []


def test_identical_mock_objects_in_two_different_tests_are_not_a_pair(repo):
    base = """\
    from unittest.mock import MagicMock


    def test_pay(client):
        gateway = MagicMock()
        client.post("/pay", json={"amount": 3}, gateway=gateway)


    def test_refund(client):
        assert client.post("/refund", json={"amount": 3}).status_code == 200
    """
    head = """\
    from unittest.mock import MagicMock


    def test_pay(client):
        assert client.post("/pay", json={"amount": 3}).status_code == 200


    def test_refund(client):
        gateway = MagicMock()
        assert client.post("/refund", json={"amount": 3}, gateway=gateway).status_code == 200
    """
    assert found(repo, head, base) == [(9, "MG102")]


def test_a_mock_object_in_a_test_that_moved_as_a_whole_is_not_new(repo):
    body = """\
    def test_pay(client):
        gateway = MagicMock()
        response = client.post("/pay", json={"amount": 3}, gateway=gateway)
        assert response.status_code == 200
        assert gateway.charge.called
    """
    other = """\
    def test_list(client):
        assert client.get("/payments").json() == []
    """
    header = "from unittest.mock import MagicMock\n\n\n"
    base = header + textwrap.dedent(body) + "\n\n" + textwrap.dedent(other)
    head = header + textwrap.dedent(other) + "\n\n" + textwrap.dedent(body)
    assert found(repo, head, base) == []


# --- §2 moves count only inside the gate -------------------------------------------------------------


def test_a_mock_cut_from_a_helper_outside_the_gate_is_new(repo):
    helper = "from unittest.mock import patch\n\n\ndef paid(client):\n    with patch('app.payments.client.send'):\n        return client.post('/pay')\n"
    run = run_change(
        repo,
        {"tests/helpers.py": helper, T: "def test_pay(client):\n    assert client\n"},
        {"tests/helpers.py": "def paid(client):\n    return client.post('/pay')\n", T: "from unittest.mock import patch\n\n\ndef test_pay(client):\n    with patch('app.payments.client.send'):\n        assert client.post('/pay')\n"},
    )
    assert [(f["path"], f["line"]) for f in run.report["findings"]] == [(T, 5)]


def test_a_unit_test_renamed_into_the_integration_folder_brings_its_mocks_in(repo):
    unit = "tests/unit/test_pay.py"
    repo.change({unit: textwrap.dedent(PAY)}, {unit: textwrap.dedent(PAY)})
    (repo.root / T).parent.mkdir(parents=True, exist_ok=True)
    repo.git("mv", unit, T)
    repo.commit("promote", tag="promoted")
    run = repo.check_change("head", "promoted")
    assert [(f["path"], f["line"]) for f in run.report["findings"]] == [(T, 5)]


def test_a_file_renamed_within_the_gate_is_compared_with_its_old_self(repo):
    other = "tests/e2e/test_pay.py"
    repo.change({T: textwrap.dedent(PAY)}, {T: textwrap.dedent(PAY)})
    (repo.root / other).parent.mkdir(parents=True, exist_ok=True)
    repo.git("mv", T, other)
    repo.commit("move", tag="moved")
    assert repo.check_change("head", "moved").report["findings"] == []


def test_a_target_moved_into_a_module_constant_is_not_new(repo):
    head = """\
    from unittest.mock import patch

    SEND = "app.payments.client.send"


    def test_pay(client):
        with patch(SEND) as send:
            client.post("/pay", json={"amount": 3})
            send.assert_called_once()
    """
    assert found(repo, head, PAY) == []


def test_changing_a_constant_s_value_retargets_its_patches_on_the_constant_s_line(repo):
    base = """\
    from unittest.mock import patch

    SEND = "app.payments.client.send"


    def test_pay(client):
        with patch(SEND):
            client.post("/pay", json={"amount": 3})
    """
    head = base.replace("app.payments.client.send", "app.email.client.send")
    assert found(repo, head, base) == [(3, "MG101")]


def test_a_constant_changed_that_no_patch_uses_is_no_finding(repo):
    base = 'from unittest.mock import patch\n\nURL = "http://127.0.0.1:8000"\n\n\ndef test_pay(client):\n    with patch("app.payments.client.send"):\n        client.post(URL)\n'
    assert found(repo, base.replace("8000", "9000"), base) == []


def test_identical_patches_consolidated_into_one_conftest_fixture_are_not_new(repo):
    base = """\
    from unittest.mock import patch


    def test_pay(client):
        with patch("app.db.engine"):
            client.post("/pay")


    def test_refund(client):
        with patch("app.db.engine"):
            client.post("/refund")
    """
    head = """\
    def test_pay(client, engine):
        client.post("/pay")


    def test_refund(client, engine):
        client.post("/refund")
    """
    conftest = """\
    import pytest
    from unittest.mock import patch


    @pytest.fixture
    def engine():
        with patch("app.db.engine", autospec=True) as engine:
            yield engine
    """
    run = run_change(repo, {T: base}, {T: head, "tests/integration/conftest.py": conftest})
    # No MG1xx site is new; requesting a fixture that patches is MG2xx's to judge.
    assert [f for f in run.report["findings"] if f["rule"].startswith("MG1")] == []


def test_a_with_patch_moved_into_a_fixture_and_re_wrapped_is_not_new(repo):
    head = """\
    import pytest
    from unittest.mock import patch


    @pytest.fixture
    def send():
        patcher = patch(
            "app.payments.client.send",
        )
        yield patcher.start()
        patcher.stop()


    def test_pay(client, send):
        client.post("/pay", json={"amount": 3})
        send.assert_called_once()
    """
    # No MG1xx site is new; requesting a fixture that patches is MG2xx's to judge.
    assert [f for f in found(repo, head, PAY) if f[1].startswith("MG1")] == []


def test_a_method_patch_retargeted_to_a_module_function_of_the_same_name_is_new(repo):
    # `Runner.execute` (a method of a class in a module that still exists) becoming the function
    # `app.bundles.execute`: the class segment is no module, so this is no module move.
    modules = {
        "app/__init__.py": "",
        "app/runner.py": "class Runner:\n    def execute(self):\n        pass\n",
        "app/bundles.py": "def execute():\n    pass\n",
    }
    base = PAY.replace("app.payments.client.send", "app.runner.Runner.execute")
    assert found(repo, base.replace("app.runner.Runner.execute", "app.bundles.execute"), base, extra=modules) == [(5, "MG101")]


def test_a_method_patch_retargeted_through_a_module_constant_is_new(repo):
    modules = {
        "app/__init__.py": "",
        "app/runner.py": "class Runner:\n    def execute(self):\n        pass\n",
        "app/bundles.py": "def execute():\n    pass\n",
    }
    base = PAY.replace("app.payments.client.send", "app.runner.Runner.execute")
    head = base.replace("from unittest.mock import MagicMock, patch\n", 'from unittest.mock import MagicMock, patch\n\nEXECUTE = "app.bundles.execute"\n')
    head = head.replace('patch("app.runner.Runner.execute")', "patch(EXECUTE)")
    assert found(repo, head, base, extra=modules) == [(7, "MG101")]


def test_a_method_whose_module_moved_with_its_class_is_the_same_mock(repo):
    repo.change(
        {T: textwrap.dedent(PAY.replace("app.payments.client.send", "app.runner.Runner.execute")), "app/runner.py": "class Runner:\n    def execute(self):\n        pass\n"},
        {T: textwrap.dedent(PAY.replace("app.payments.client.send", "app.runner.Runner.execute")), "app/engine/runner.py": "class Runner:\n    def execute(self):\n        pass\n"},
    )
    repo.write(T, PAY.replace("app.payments.client.send", "app.engine.runner.Runner.execute"))
    repo.commit("the test follows", tag="followed")
    assert repo.check_change("head", "followed").report["findings"] == []


def test_a_mock_object_pairs_with_the_one_of_the_same_name_before_an_identical_one_of_another(repo):
    # The real app object becomes a mock while its hook mock moves onto it: `app.hook = Mock()` is
    # the old `hook = Mock()`, and `app = Mock()` is the new mock (identical code, another name).
    base = """\
    from unittest.mock import Mock

    from app.graph import App


    def test_graph(client):
        hook = Mock()
        app = App(client.cache, hook)
        assert client.resolve(app).ok
    """
    head = """\
    from unittest.mock import Mock


    def test_graph(client):
        app = Mock()
        app.cache = client.cache
        app.hook = Mock()
        assert client.resolve(app).ok
    """
    assert found(repo, head, base) == [(5, "MG102")]


def test_the_mock_backport_s_own_module_imported_from_it_is_the_library(repo):
    head = """\
    from mock import mock


    def test_pay(client):
        with mock.patch("app.payments.client.send", mock.MagicMock(return_value=True)):
            client.post("/pay", json={"amount": 3})
    """
    assert found(repo, head, "def test_pay(client):\n    client.post('/pay')\n") == [(5, "MG101"), (5, "MG102")]


def test_a_monkeypatch_built_inline_and_used_at_once_is_found(repo):
    head = """\
    import pytest


    def test_pay(client):
        pytest.MonkeyPatch().setattr("app.payments.client.send", lambda *a: None)
        client.post("/pay", json={"amount": 3})
    """
    assert found(repo, head, "import pytest\n\n\ndef test_pay(client):\n    client.post('/pay')\n") == [(5, "MG105")]
