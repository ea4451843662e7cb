"""The debt line ("integration-test mocks in the files this change touches: 41 -> 38") on real git
repositories, in the cases where a change alters how its unchanged lines read: each count is the
one a whole-file scan of the base and of the head gives (`mockguard check --format json`, "mocks"),
however the engine shares work between the two sides and the change's own scans."""

from __future__ import annotations

import textwrap

import pytest

T = "tests/integration/test_orders.py"
U = "tests/integration/test_users.py"


def debt(repo, base: dict[str, str], head: dict[str, str]) -> tuple[int, int]:
    repo.change({p: textwrap.dedent(t) for p, t in base.items()}, {p: textwrap.dedent(t) for p, t in head.items()})
    run = repo.check_change()
    assert run.returncode in (0, 1), run.stderr
    mocks = run.report["mocks"]
    return mocks["before"], mocks["after"]


# Two tests that mock, one that does not: the unchanged part of most changes below.
TWO_MOCKS = """\

def test_pay(client):
    with m.patch("app.payments.gateway.charge") as charge:
        charge.return_value = m.MagicMock(status="ok")
        assert client.post("/pay").status_code == 200


def test_refund(client):
    assert client.post("/refund").status_code == 200


def test_cancel(client):
    with m.patch(
        "app.payments.gateway.cancel",
    ):
        assert client.post("/cancel").status_code == 200
"""


def test_an_added_alias_import_makes_the_unchanged_uses_sites(repo):
    base = "from tests import helpers as m\n" + TWO_MOCKS
    head = "from unittest import mock as m\n" + TWO_MOCKS
    assert debt(repo, {T: base}, {T: head}) == (0, 3)


def test_a_removed_alias_import_makes_the_unchanged_uses_plain_calls(repo):
    base = "from unittest import mock as m\n" + TWO_MOCKS
    head = "import json\n" + TWO_MOCKS
    assert debt(repo, {T: base}, {T: head}) == (3, 0)


def test_an_import_added_far_below_the_uses_binds_them_too(repo):
    base = "import json\n" + TWO_MOCKS
    head = "import json\n" + TWO_MOCKS + "\n\nfrom unittest import mock as m\n"
    assert debt(repo, {T: base}, {T: head}) == (0, 3)


def test_a_module_level_definition_added_shadows_the_import(repo):
    base = "from unittest.mock import patch\n" + TWO_MOCKS.replace("m.patch", "patch").replace("m.MagicMock", "dict")
    head = base + "\n\ndef patch(target):\n    return open(target)\n"
    assert debt(repo, {T: base}, {T: head}) == (2, 0)


def test_a_multi_line_site_edited_inside_and_one_edited_outside(repo):
    base = "from unittest import mock as m\n" + TWO_MOCKS
    head = base.replace('"app.payments.gateway.cancel",', '"app.payments.gateway.void",').replace("/refund", "/refunds")
    assert debt(repo, {T: base}, {T: head}) == (3, 3)


def test_a_fixture_parameter_added_on_an_unchanged_body(repo):
    body = """\
    import json


    def test_pay(client, {fixture}):
        {fixture}.setattr("app.payments.gateway.charge", json.dumps)
        {fixture}.setenv("PAYMENTS", "off")
        assert client.post("/pay").status_code == 200
    """
    # the head's `monkeypatch` parameter makes the two unchanged lines sites; `patcher` is nobody's fixture
    assert debt(repo, {T: body.replace("{fixture}", "patcher")}, {T: body.replace("{fixture}", "monkeypatch")}) == (0, 2)


def test_a_retargeted_module_constant(repo):
    base = 'from unittest.mock import patch\n\nTARGET = "app.db.engine"\n' + TWO_MOCKS.replace("m.patch(", "patch(").replace("m.MagicMock", "dict") + '\n\ndef test_db():\n    with patch(TARGET):\n        pass\n'
    head = base.replace('TARGET = "app.db.engine"', 'TARGET = "app.cache.engine"')
    assert debt(repo, {T: base}, {T: head}) == (3, 3)


def test_a_mock_subclass_defined_in_the_change_makes_its_uses_mocks(repo):
    uses = "\n\ndef test_pay(client):\n    gateway = FakeGateway()\n    assert client.post('/pay', gateway=gateway).status_code == 200\n"
    base = "from unittest.mock import MagicMock\n\n\nclass FakeGateway:\n    pass\n" + uses
    head = "from unittest.mock import MagicMock\n\n\nclass FakeGateway(MagicMock):\n    pass\n" + uses
    assert debt(repo, {T: base}, {T: head}) == (0, 1)


def test_a_function_level_import_of_a_re_exporting_module_binds_for_later_tests(repo):
    compat = "from unittest.mock import patch as swap\n"
    tail = """\


    def test_ship(client):
        with swap("app.shipping.label"):
            assert client.post("/ship").status_code == 200
    """
    base = "import json\n\n\ndef test_pay(client):\n    assert client.post('/pay').status_code == 200\n" + textwrap.dedent(tail)
    head = "import json\n\n\ndef test_pay(client):\n    from tests.compat import swap\n    assert client.post('/pay').status_code == 200\n" + textwrap.dedent(tail)
    assert debt(repo, {"tests/compat.py": compat, T: base}, {"tests/compat.py": compat, T: head}) == (0, 0)


def test_a_re_exported_mock_is_counted_as_the_whole_file_scan_counts_it(repo):
    compat = "try:\n    from unittest import mock\nexcept ImportError:\n    import mock\nfrom unittest.mock import patch as swap\n"
    base = "from tests.compat import mock, swap\n" + TWO_MOCKS.replace("m.patch", "mock.patch").replace("m.MagicMock", "swap")
    head = base.replace("/refund", "/refunds") + "\n\ndef test_ship(client):\n    with swap('app.shipping.label'):\n        pass\n"
    assert debt(repo, {"tests/compat.py": compat, T: base}, {"tests/compat.py": compat, T: head}) == (2, 2)


def test_a_head_that_does_not_parse_is_counted_from_its_tokens(repo):
    base = "from unittest import mock as m\n" + TWO_MOCKS
    head = base.replace('assert client.post("/refund").status_code == 200', 'assert client.post("/refund".status_code == 200')
    assert debt(repo, {T: base}, {T: head}) == (3, 3)


def test_a_base_that_does_not_parse_is_counted_from_its_tokens(repo):
    broken_base = TWO_MOCKS.replace("def test_refund(client):", "def test_refund(client:")
    assert debt(repo, {U: "from unittest import mock as m\n" + broken_base}, {U: "from unittest import mock as m\n" + TWO_MOCKS}) == (3, 3)


def test_a_string_that_looks_like_code_across_statements(repo):
    base = 'from unittest.mock import patch\n\nDOC = """\ndef test_fake():\n    patch("not.a.site")\n"""\n\n\ndef test_pay(client):\n    with patch("app.pay"):\n        pass\n'
    head = base.replace('DOC = """', 'DOC = 1\n"""').replace('    patch("not.a.site")\n"""\n', '    patch("not.a.site")\n"""\n')
    assert debt(repo, {T: base}, {T: head}) == (1, 1)


def test_an_oversized_file_counts_nothing(repo):
    filler = "# " + "x" * 98 + "\n"
    base = "from unittest import mock as m\n" + TWO_MOCKS + filler * 21_000
    head = base.replace("/refund", "/refunds")
    assert debt(repo, {T: base}, {T: head}) == (0, 0)


# --- the count shared between sides equals each side's whole-file scan (pure functions) ------------

PAIRS = [
    # (base, head): unchanged statements read differently on the two sides, or not at all
    ("from tests import helpers as m\n" + TWO_MOCKS, "from unittest import mock as m\n" + TWO_MOCKS),
    ("import json\n" + TWO_MOCKS, "import json\n" + TWO_MOCKS + "\n\nfrom unittest import mock as m\n"),
    ("from unittest import mock as m\n" + TWO_MOCKS, "from unittest import mock as m\n" + TWO_MOCKS.replace("/refund", "/refunds")),
    ("from unittest import mock as m\n" + TWO_MOCKS, "from unittest import mock as m\n" + TWO_MOCKS + "\n\ndef patch(target):\n    return target\n"),
    ("from unittest import mock as m\n" + TWO_MOCKS, "from unittest import mock as m\n\n\ndef MagicMock():\n    return 1\n" + TWO_MOCKS),
    # a mock subclass whose bases span lines is bound only when its chunk is visited
    ("from unittest.mock import MagicMock\n\n\nclass Fake:\n    pass\n\n\ndef test_a():\n    Fake()\n",
     "from unittest.mock import MagicMock\n\n\nclass Fake(\n    MagicMock,\n):\n    pass\n\n\ndef test_a():\n    Fake()\n"),
    # finds that hold one another: a monkeypatch made on the spot, a mock passed to a patch
    ("import pytest\nfrom unittest.mock import MagicMock, patch\n\n\ndef test_a():\n    pytest.MonkeyPatch().setattr('app.x', 1)\n    patch.object(a, 'b', MagicMock())\n",
     "import pytest\nfrom unittest.mock import MagicMock, patch\n\n\ndef test_a():\n    pytest.MonkeyPatch().setattr('app.x', 2)\n    patch.object(a, 'b', MagicMock())\n"),
    # finds of one construct inside another: counted once each, as placed by their positions
    ("from unittest.mock import MagicMock, patch\n\n\ndef test_a():\n    patch('a', new=patch('b'))\n    MagicMock(side_effect=MagicMock())\n",
     "from unittest.mock import MagicMock, patch\n\n\ndef test_a():\n    patch('a', new=patch('c'))\n    MagicMock(side_effect=MagicMock())\n"),
    # a cut inside a string: the chunk is widened over the next one
    ('from unittest.mock import patch\n\nDOC = """\ndef test_fake():\n    patch("not.a.site")\n"""\n\n\ndef test_pay():\n    with patch("app.pay"):\n        pass\n',
     'from unittest.mock import patch\n\nDOC = 1\n"""\ndef test_fake():\n    patch("not.a.site")\n"""\n\n\ndef test_pay():\n    with patch("app.pay"):\n        pass\n'),
    # a function-level import binds for the tests below it, in the walk's order
    ("import json\n\n\ndef test_a():\n    return 1\n\n\ndef test_b():\n    mock.patch('x')\n",
     "import json\n\n\ndef test_a():\n    import mock\n    return 1\n\n\ndef test_b():\n    mock.patch('x')\n"),
    # a long test, reduced by the first pass on one side only (the other does not parse)
    ("from unittest import mock\n\n\ndef test_a(client):\n" + "    client.get('/')\n" * 20 + "    mock.patch('x')\n\n\ndef test_b(:\n    pass\n",
     "from unittest import mock\n\n\ndef test_a(client):\n" + "    client.get('/')\n" * 20 + "    mock.patch('x')\n\n\ndef test_b():\n    pass\n"),
]


def _whole(text: str) -> int:
    from bot.engine.diff import source_lines
    from bot.engine.fallback import scan_tokens
    from bot.engine.sites import ChunkParseError, scan

    every_line = frozenset(range(1, len(source_lines(text)) + 1))
    try:
        return len(scan(text, every_line).sites)
    except ChunkParseError:
        return len(scan_tokens(text, every_line).sites)


@pytest.mark.parametrize("base, head", PAIRS)
def test_counts_shared_between_sides_and_scans_equal_whole_file_scans(base, head):
    from bot.engine.analyse import count_mocks
    from bot.engine.diff import source_lines
    from bot.engine.sites import ChunkCounts, ChunkParseError, scan

    expected = (_whole(base), _whole(head))
    for order in ((base, head), (head, base)):
        counts = ChunkCounts()
        assert tuple(count_mocks("t.py", text, counts) for text in order) == (expected if order[0] is base else expected[::-1])
    # after the change's own scans of a few lines of each side, sharing the same store
    counts = ChunkCounts()
    for text in (head, base):
        try:
            scan(text, frozenset(range(1, len(source_lines(text)) + 1, 3)), counts=counts)
        except ChunkParseError:
            pass
    assert (count_mocks("t.py", base, counts), count_mocks("t.py", head, counts)) == expected
