"""MG2xx on real git repositories: mocks that arrive through fixtures (§1), helpers (§2) and
hand-rolled patches (§3), judged by `mockguard check --base base --head head --format json` run as a
process, which reads conftests, support modules and pytest's configuration from the head commit."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

SARIF_SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json").read_text())
T = "tests/integration/test_orders.py"

ROOT_CONFTEST = """\
import pytest
from unittest.mock import MagicMock


@pytest.fixture
def mock_llm():
    client = MagicMock(spec=["complete"])
    return client


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()
"""


def run(repo, base: dict[str, str], head: dict[str, str]):
    """Commit `base` as tag base, then write (or overwrite) `head`'s files as tag head; check."""
    for path, text in base.items():
        repo.write(path, text)
    repo.commit("base", tag="base")
    for path, text in head.items():
        repo.write(path, text)
    repo.commit("head", tag="head")
    done = repo.check_change()
    report = done.report
    assert done.returncode == (1 if report["summary"]["blocking"] else 0), done.stderr
    return report


def arrivals(report) -> list[tuple[str, int, str]]:
    return sorted((f["path"], f["line"], f["rule"]) for f in report["findings"] if f["rule"].startswith("MG2"))


# --- §1 fixtures ----------------------------------------------------------------------------------


def test_a_new_test_requesting_an_old_mocking_fixture_of_a_parent_conftest(repo):
    report = run(
        repo,
        {"tests/conftest.py": ROOT_CONFTEST, T: "def test_old():\n    pass\n"},
        {T: "def test_old():\n    pass\n\n\ndef test_answer(mock_llm):\n    assert mock_llm.complete('hi')\n"},
    )
    assert arrivals(report) == [(T, 5, "MG201")]
    finding = report["findings"][0]
    assert finding["category"] == "llm"
    assert finding["target"] == "mock_llm"
    # the chain: test -> fixture (where it is defined) -> the line that builds the mock
    assert "test_answer -> mock_llm (tests/conftest.py:6) -> tests/conftest.py:7" in finding["message"]
    assert "MagicMock" in finding["message"]


def test_a_new_test_requesting_a_real_service_fixture_is_no_finding(repo):
    report = run(
        repo,
        {"tests/conftest.py": ROOT_CONFTEST, T: "def test_old():\n    pass\n"},
        {T: "def test_old():\n    pass\n\n\ndef test_cache(redis_server):\n    assert redis_server.ping()\n"},
    )
    assert report["findings"] == []


def test_a_fixture_chain_three_deep(repo):
    conftest = """\
import pytest
from unittest.mock import AsyncMock


@pytest.fixture
def queue():
    return AsyncMock(name="publisher")


@pytest.fixture
def orders_service(queue):
    return OrdersService(queue)


@pytest.fixture
def api(orders_service):
    return Api(orders_service)
"""
    report = run(
        repo,
        {"tests/conftest.py": conftest, T: "def test_old(tmp_path):\n    pass\n"},
        {T: "def test_old(tmp_path):\n    pass\n\n\ndef test_order(\n    api,\n):\n    assert api.post('/orders')\n"},
    )
    assert arrivals(report) == [(T, 6, "MG201")]
    message = report["findings"][0]["message"]
    assert "test_order -> api (tests/conftest.py:16) -> orders_service (tests/conftest.py:11) -> queue (tests/conftest.py:6) -> tests/conftest.py:7" in message
    # the same chain as places to link: where the test asks, each fixture, the line that builds the mock
    assert [(step["label"], step["path"], step["line"]) for step in report["findings"][0]["chain"]] == [
        ("`test_order`", T, 6),
        ("`api`", "tests/conftest.py", 16),
        ("`orders_service`", "tests/conftest.py", 11),
        ("`queue`", "tests/conftest.py", 6),
        ("`AsyncMock`", "tests/conftest.py", 7),
    ]
    # SARIF carries it as related locations (code scanning shows them beside the alert), and stays valid
    log = json.loads(repo.check("--base", "base", "--head", "head", fmt="sarif").stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    [result] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "MG201"]
    assert [(r["physicalLocation"]["artifactLocation"]["uri"], r["physicalLocation"]["region"]["startLine"])
            for r in result["relatedLocations"]] == [
        (T, 6), ("tests/conftest.py", 16), ("tests/conftest.py", 11), ("tests/conftest.py", 6), ("tests/conftest.py", 7)]
    assert report["findings"][0]["category"] == "queue"


def test_an_autouse_fixture_added_in_a_conftest_reaches_the_tests_below_it(repo):
    report = run(
        repo,
        {"tests/conftest.py": ROOT_CONFTEST, T: "def test_old():\n    pass\n", "tests/integration/conftest.py": "import pytest\n"},
        {
            "tests/integration/conftest.py": "import pytest\n\n\n@pytest.fixture(autouse=True)\ndef no_llm(mock_llm):\n    yield\n",
            T: "def test_old():\n    pass\n\n\ndef test_more():\n    pass\n",
        },
    )
    assert arrivals(report) == [("tests/integration/conftest.py", 4, "MG201")]
    assert "every test under tests/integration/" in report["findings"][0]["message"]


def test_an_autouse_fixture_that_was_already_autouse_is_not_new(repo):
    conftest = "import pytest\n\n\n@pytest.fixture(autouse=True)\ndef no_llm(mock_llm):\n    yield\n"
    report = run(
        repo,
        {"tests/conftest.py": ROOT_CONFTEST, "tests/integration/conftest.py": conftest, T: "def test_old():\n    pass\n"},
        {"tests/integration/conftest.py": "# the LLM is never reached\n" + conftest, T: "def test_old():\n    pass\n\n\ndef test_more():\n    pass\n"},
    )
    assert arrivals(report) == []


def test_a_dependency_the_test_already_had_is_not_new(repo):
    report = run(
        repo,
        {"tests/conftest.py": ROOT_CONFTEST, T: "def test_answer(mock_llm):\n    assert mock_llm\n"},
        {T: "def test_answer(mock_llm, tmp_path):\n    assert mock_llm\n"},
    )
    assert arrivals(report) == []


def test_a_parametrize_argument_replaces_the_fixture_of_its_name(repo):
    head = "import pytest\n\n\n@pytest.mark.parametrize('mock_llm', ['gpt', 'claude'])\ndef test_names(mock_llm):\n    assert mock_llm\n"
    report = run(repo, {"tests/conftest.py": ROOT_CONFTEST, T: "\n"}, {T: head})
    assert arrivals(report) == []


def test_a_nearer_real_fixture_overrides_a_farther_mocking_one(repo):
    near = "import pytest\n\n\n@pytest.fixture\ndef mock_llm(llm_server):\n    return LLMClient(base_url=llm_server.url)\n"
    report = run(
        repo,
        {"tests/conftest.py": ROOT_CONFTEST, "tests/integration/conftest.py": near, T: "\n"},
        {T: "def test_answer(mock_llm):\n    assert mock_llm\n"},
    )
    assert arrivals(report) == []


def test_a_fixture_requesting_its_own_name_gets_the_farther_one(repo):
    near = "import pytest\n\n\n@pytest.fixture\ndef mock_llm(mock_llm):\n    mock_llm.complete.return_value = 'ok'\n    return mock_llm\n"
    report = run(
        repo,
        {"tests/conftest.py": ROOT_CONFTEST, "tests/integration/conftest.py": near, T: "\n"},
        {T: "def test_answer(mock_llm):\n    assert mock_llm\n"},
    )
    assert arrivals(report) == [(T, 1, "MG201")]
    assert "mock_llm (tests/integration/conftest.py:5) -> mock_llm (tests/conftest.py:6) -> tests/conftest.py:7" in report["findings"][0]["message"]


def test_usefixtures_name_override_and_a_class(repo):
    conftest = "import pytest\nfrom unittest import mock\n\n\n@pytest.fixture(name='mailer')\ndef _fake_mailer():\n    with mock.patch('app.mail.smtp.send'):\n        yield\n"
    head = "import pytest\n\n\nclass TestSignup:\n    @pytest.mark.usefixtures('mailer')\n    def test_signup(self):\n        pass\n"
    report = run(repo, {"tests/conftest.py": conftest, T: "\n"}, {T: head})
    assert arrivals(report) == [(T, 5, "MG201")]
    assert "usefixtures" in report["findings"][0]["message"]


def test_fixtures_imported_into_a_conftest_and_plugins_named_by_the_root_conftest(repo):
    support = "import pytest\nfrom unittest.mock import MagicMock\n\n\n@pytest.fixture\ndef fake_session():\n    return MagicMock()\n"
    plugin = "import pytest\nimport respx\n\n\n@pytest.fixture\ndef payments_api():\n    with respx.mock(base_url='https://pay.example') as router:\n        yield router\n"
    report = run(
        repo,
        {
            "conftest.py": "pytest_plugins = ['tests.plugins.payments', 'pytest_asyncio']\n",
            "tests/support/db.py": support,
            "tests/plugins/payments.py": plugin,
            "tests/integration/conftest.py": "from tests.support.db import fake_session  # noqa: F401\n",
            T: "\n",
        },
        {T: "def test_pay(payments_api):\n    pass\n\n\ndef test_store(fake_session):\n    pass\n\n\ndef test_loop(event_loop):\n    pass\n"},
    )
    assert arrivals(report) == [(T, 1, "MG201"), (T, 5, "MG201")]
    categories = {f["line"]: f["category"] for f in report["findings"]}
    assert categories == {1: "http", 5: "database"}


def test_a_fixture_defined_in_the_change_is_reported_where_its_mock_is_built_and_where_it_is_used(repo):
    conftest_head = ROOT_CONFTEST + "\n\n@pytest.fixture\ndef fake_cache():\n    return MagicMock(name='redis')\n"
    report = run(
        repo,
        {"tests/conftest.py": ROOT_CONFTEST, T: "\n"},
        {"tests/conftest.py": conftest_head, T: "def test_x(fake_cache):\n    pass\n"},
    )
    # tests/conftest.py is not an integration test file: its new MagicMock is not reported there,
    # but the gated test that now depends on it is.
    assert arrivals(report) == [(T, 1, "MG201")]
    assert report["findings"][0]["category"] == "redis"


# --- §2 helpers -----------------------------------------------------------------------------------

FAKES = """\
from unittest import mock


def fake_db():
    db = mock.AsyncMock(name="session")
    return db


def install_fake_mailer():
    return _start(mock.patch("app.mail.smtp.send"))


def _start(patcher):
    return patcher.start()


def real_db(url):
    return connect(url)
"""


def test_a_helper_in_another_module_of_the_repository(repo):
    head = """\
from tests.support import fakes
from tests.support.fakes import fake_db, real_db


def test_orders():
    db = fake_db()
    other = fake_db()
    fakes.install_fake_mailer()
    assert db and other


def test_real(postgres_url):
    assert real_db(postgres_url)
"""
    report = run(repo, {"tests/support/__init__.py": "", "tests/support/fakes.py": FAKES, T: "\n"}, {T: head})
    assert arrivals(report) == [(T, 6, "MG202"), (T, 8, "MG202")]
    by_line = {f["line"]: f for f in report["findings"]}
    assert by_line[6]["category"] == "database"
    assert "tests/support/fakes.py:5" in by_line[6]["message"]
    # followed through a second helper to the line that installs the patch
    assert "install_fake_mailer (tests/support/fakes.py:9) -> tests/support/fakes.py:10" in by_line[8]["message"]
    assert [(step["path"], step["line"]) for step in by_line[8]["chain"]] == [
        (T, 8), ("tests/support/fakes.py", 9), ("tests/support/fakes.py", 10)]


def test_library_functions_are_not_followed_and_old_calls_are_not_new(repo):
    base = "from tests.support.fakes import fake_db\n\n\ndef test_orders():\n    db = fake_db()\n"
    head = (
        "import json\nfrom tests.support.fakes import fake_db\n\n\ndef test_orders():\n"
        "    db = fake_db()  # edited, same call\n    assert json.dumps({})\n"
    )
    report = run(repo, {"tests/support/fakes.py": FAKES, T: base}, {T: head})
    assert arrivals(report) == []


# --- §3 hand-rolled patches -------------------------------------------------------------------------


def test_a_hand_rolled_patch_of_an_imported_module_vs_an_attribute_of_a_local_object(repo):
    head = """\
from app import mailer
from app.client import ApiClient


def test_signup():
    mailer.send = lambda *args: None
    client = ApiClient()
    client.timeout = 5
    client.send = lambda *args: None
"""
    report = run(repo, {T: "\n"}, {T: head})
    assert arrivals(report) == [(T, 6, "MG203")]
    assert report["findings"][0]["target"] == "app.mailer.send"
    assert report["findings"][0]["construct"] == "attribute assignment"


def test_dependency_overrides_with_a_fake_vs_with_a_real_session(repo):
    head = """\
from app.db import get_db
from app.main import app
from tests.db import TestingSession


class FakeSession:
    def add(self, item):
        pass


def override_with_real_session():
    session = TestingSession()
    yield session


def test_fake():
    app.dependency_overrides[get_db] = lambda: FakeSession()


def test_real_from_fixture(db_session):
    app.dependency_overrides[get_db] = lambda: db_session


def test_real_from_function():
    app.dependency_overrides[get_db] = override_with_real_session
"""
    tests_db = "from sqlalchemy.orm import sessionmaker\n\nTestingSession = sessionmaker()\n"
    report = run(repo, {"tests/db.py": tests_db, T: "\n"}, {T: head})
    assert arrivals(report) == [(T, 17, "MG203")]
    assert report["findings"][0]["category"] == "database"


def test_a_setting_pointed_at_a_real_test_service_is_tolerated_with_its_reason(repo):
    head = """\
from app import settings


def test_cache(monkeypatch, redis_server):
    monkeypatch.setattr(settings, "REDIS_URL", redis_server.url)


def test_fake_cache(monkeypatch, mock_llm):
    monkeypatch.setattr(settings, "LLM", mock_llm)
"""
    report = run(repo, {"tests/conftest.py": ROOT_CONFTEST, T: "\n"}, {T: head})
    assert sorted((f["line"], f["rule"]) for f in report["findings"]) == [(8, "MG201"), (9, "MG105")]
    tolerated = report["tolerated"]
    assert [(t["line"], t["rule"]) for t in tolerated] == [(5, "MG105")]
    assert "redis_server" in tolerated[0]["reason"] and "real test service" in tolerated[0]["reason"]


def test_sys_modules_and_setattr_on_an_imported_class(repo):
    head = """\
import sys

from app.mail import SmtpClient


def fake_deliver(*args):
    return True


def test_mail():
    sys.modules["redis"] = object()
    setattr(SmtpClient, "deliver", fake_deliver)
    setattr(SmtpClient, "host", "127.0.0.1")
"""
    report = run(repo, {T: "\n"}, {T: head})
    assert arrivals(report) == [(T, 11, "MG203"), (T, 12, "MG203")]
    assert {f["line"]: f["category"] for f in report["findings"]}[11] == "redis"


def test_a_hand_rolled_patch_inside_a_conftest_fixture_makes_it_provide_a_mock(repo):
    conftest = "import pytest\nfrom app import payments\n\n\n@pytest.fixture\ndef no_payments():\n    payments.charge = lambda *a: {'ok': True}\n    yield\n"
    report = run(repo, {"tests/conftest.py": conftest, T: "\n"}, {T: "def test_checkout(no_payments):\n    pass\n"})
    assert arrivals(report) == [(T, 1, "MG201")]
    assert "tests/conftest.py:7" in report["findings"][0]["message"]


def test_a_mock_allowed_with_a_reason_on_the_dependency_line_is_suppressed(repo):
    head = "def test_answer(mock_llm):  # mockguard: allow the provider has no sandbox\n    pass\n"
    report = run(repo, {"tests/conftest.py": ROOT_CONFTEST, T: "\n"}, {T: head})
    assert arrivals(report) == []
    assert [(s["line"], s["rule"]) for s in report["suppressed"]] == [(1, "MG201")]


def test_a_fixture_the_configuration_already_uses_for_every_test_is_not_new(repo):
    pyproject = "[tool.pytest.ini_options]\nusefixtures = ['mock_llm']\n"
    report = run(
        repo,
        {"pyproject.toml": pyproject, "tests/conftest.py": ROOT_CONFTEST, T: "\n"},
        {T: "def test_answer(mock_llm):\n    pass\n"},
    )
    assert arrivals(report) == []


# --- §4 in-memory fakes of real servers -------------------------------------------------------------


def test_in_memory_fakes_are_found_each_with_its_rule_and_real_servers_are_not(repo):
    head = """\
import fakeredis
import mongomock
import redis
from pyfakefs.fake_filesystem_unittest import Patcher
from testcontainers.redis import RedisContainer


def test_fakes(app):
    app.state.redis = fakeredis.FakeRedis()
    app.state.db = mongomock.MongoClient().orders
    with Patcher():
        pass


def test_files(fs):
    assert fs.exists("/tmp")


def test_real(redis_server):
    with RedisContainer() as container:
        assert redis.Redis(port=redis_server.port).ping() and container
"""
    report = run(repo, {T: "\n"}, {T: head})
    got = sorted((f["line"], f["rule"], f["category"]) for f in report["findings"])
    assert got == [(9, "MG204", "redis"), (10, "MG205", "database"), (11, "MG206", "filesystem"), (15, "MG206", "filesystem")]
    assert report["summary"]["blocking"] == 4  # blocking by default, like any mock


def test_a_conftest_fixture_that_builds_a_fake_server_provides_a_mock(repo):
    conftest = "import fakeredis\nimport pytest\n\n\n@pytest.fixture\ndef cache():\n    return fakeredis.FakeStrictRedis()\n"
    report = run(repo, {"tests/conftest.py": conftest, T: "\n"}, {T: "def test_hits(cache):\n    assert cache\n"})
    assert arrivals(report) == [(T, 1, "MG201")]
    assert report["findings"][0]["category"] == "redis" and "fakeredis" in report["findings"][0]["message"]


def test_a_team_that_accepts_a_fake_sets_its_category_severity(repo):
    rules = "version: 1\nseverity: {redis: warning}\n"
    report = run(
        repo,
        {".github/mockguard.yml": rules, T: "\n"},
        {T: "import fakeredis\n\n\ndef test_x():\n    assert fakeredis.FakeRedis()\n"},
    )
    assert [(f["rule"], f["severity"]) for f in report["findings"]] == [("MG204", "warning")]
    assert report["summary"]["blocking"] == 0
