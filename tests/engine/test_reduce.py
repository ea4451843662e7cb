"""The statement-level first pass (bot/engine/reduce.py): libcst parses only the statements that
can hold a site, and the sites found are exactly those of a parse of the whole statements, on
every line, for each way a mock reaches a test (alias, star import, fixture, `self.mocker`, a
local or annotated MonkeyPatch, a re-exported name, a mock subclass, `global`, an inner line of a
multi-line call), in huge files too."""

from __future__ import annotations

import dataclasses

import pytest

from bot.engine.diff import source_lines
from bot.engine.first_pass import code_only
from bot.engine.reduce import FileStatements, parse_cached
from bot.engine.first_pass import line_has_trigger, split_chunks
from bot.engine.sites import scan

# Thirty statements of a test that mock nothing, to surround the ones that do.
BUSY = "".join(f"    response_{i} = client.get('/items/{i}')\n    assert response_{i}.status_code == 200, response_{i}.text\n" for i in range(15))
BUSY_IN_METHOD = BUSY.replace("    ", "        ")
FILLER = "".join(f"\n\ndef test_plain_{i}(client):\n    '''No mock here.'''\n{BUSY}" for i in range(60))


def sites(text: str, wanted: set[int] | None = None, **options: object) -> list[dict[str, object]]:
    lines = wanted if wanted is not None else set(range(1, len(source_lines(text)) + 1))
    found = scan(text, lines, **options)  # type: ignore[arg-type]
    return [dataclasses.asdict(s) for s in found.sites] + [dataclasses.asdict(i) for i in found.imports]


def both(text: str, wanted: set[int] | None = None, reexports: dict[tuple[str, str], str] | None = None) -> list[tuple[int, str, str | None]]:
    """The sites with the first pass, after checking they equal those without it."""
    reduced = sites(text, wanted, reexports=reexports)
    assert reduced == sites(text, wanted, reexports=reexports, reduce=False)
    return [(s["line"], s["construct"], s.get("target")) for s in reduced if "construct" in s]  # type: ignore[misc]


def reduced_around(text: str, line: int) -> bool:
    """Whether the top-level statement holding `line` is handed to libcst reduced."""
    lines = source_lines(text, keepends=True)
    chunk = next(c for c in split_chunks(lines) if c.start < line <= c.end)
    statements = FileStatements(text, lines, source_lines(code_only(text), keepends=True))
    reduced = statements.reduce(chunk.start, chunk.end, line_has_trigger, set())
    return reduced is not None and len(reduced.line_map) < chunk.end - chunk.start and line in reduced.line_map


def line_of(text: str, needle: str, nth: int = 1) -> int:
    return [i for i, line in enumerate(source_lines(text), 1) if needle in line][nth - 1]


def test_a_big_test_is_reduced_to_its_mocking_statements():
    text = f"from unittest.mock import patch\n\n\ndef test_x(client):\n{BUSY}    with patch('app.db'):\n        pass\n{BUSY}"
    lines = source_lines(text, keepends=True)
    reduced = FileStatements(text, lines, source_lines(code_only(text), keepends=True)).reduce(3, len(lines), line_has_trigger, set())
    assert reduced is not None
    assert "client.get" not in reduced.text and "with patch('app.db'):" in reduced.text
    assert [reduced.line_map[i] for i, line in enumerate(reduced.text.splitlines()) if "patch(" in line] == [line_of(text, "with patch")]
    assert reduced.line_map[-1] == len(lines)  # the function still ends on its last line
    assert both(text) == [(line_of(text, "with patch"), "patch", "app.db")]


def test_alias_star_import_and_fixture_in_a_huge_file():
    head = "import unittest.mock as um\nfrom unittest.mock import *\n" + FILLER + (
        f"\n\ndef test_alias(client):\n{BUSY}    with um.patch('app.ws.manager'):\n        pass\n{BUSY}"
        f"\n\ndef test_star(client):\n{BUSY}    db = AsyncMock()\n{BUSY}    assert db\n"
        f"\n\ndef test_fixture(client, mocker):\n{BUSY}    mocker.patch('app.cache.redis')\n{BUSY}"
    )
    found = both(head)
    assert (line_of(head, "um.patch"), "patch", "app.ws.manager") in found
    assert (line_of(head, "mocker.patch("), "mocker.patch", "app.cache.redis") in found
    assert any(line == line_of(head, "AsyncMock()") and construct == "AsyncMock" for line, construct, _ in found)


def test_an_inner_line_of_a_multi_line_call_with_no_mock_word_on_it():
    head = "from unittest.mock import patch\n" + FILLER + f"\n\ndef test_retarget(client):\n{BUSY}    with patch(\n        'app.cache.redis_client',\n    ):\n        pass\n{BUSY}"
    inner = line_of(head, "'app.cache.redis_client'")
    assert both(head, {inner}) == [(inner - 1, "patch", "app.cache.redis_client")]


def test_self_mocker_kept_by_an_autouse_fixture_reaches_other_methods():
    head = "import pytest\n" + FILLER + (
        "\n\nclass TestOrders:\n"
        f"    @pytest.fixture(autouse=True)\n    def _keep(self, mocker, client):\n{BUSY_IN_METHOD}        self.m = mocker\n\n"
        f"    def test_a(self, client):\n{BUSY_IN_METHOD}        self.m.patch('app.mail.send')\n{BUSY_IN_METHOD}"
    )
    site = line_of(head, "self.m.patch")
    assert reduced_around(head, site)
    assert (site, "mocker.patch", "app.mail.send") in both(head)


def test_an_annotated_monkeypatch_kept_on_self_and_a_local_one():
    head = "import pytest\nfrom pytest import MonkeyPatch as MP\n" + FILLER + (
        "\n\nclass TestEnv:\n"
        f"    def setup(self, client, patcher: MP):\n{BUSY_IN_METHOD}        self.keep = patcher\n{BUSY_IN_METHOD}\n"
        f"    def test_a(self, client):\n{BUSY_IN_METHOD}        self.keep.setattr('app.cfg.url', 'x')\n{BUSY_IN_METHOD}"
        f"\n\ndef test_local(client):\n    mp = pytest.MonkeyPatch()\n{BUSY}    mp.setenv('URL', 'x')\n{BUSY}"
    )
    kept, local = line_of(head, "self.keep.setattr"), line_of(head, "mp.setenv")
    assert reduced_around(head, kept) and reduced_around(head, local)
    found = both(head)
    assert any(line == kept for line, _, _ in found)
    assert any(line == local for line, _, _ in found)


def test_a_mock_subclass_defined_in_a_test_is_followed_by_its_name():
    head = "from unittest.mock import MagicMock\n" + FILLER + (
        f"\n\ndef test_subclass(client):\n    class FakeMailer(MagicMock):\n        pass\n{BUSY}    mailer = FakeMailer()\n{BUSY}"
    )
    site = line_of(head, "mailer = FakeMailer()")
    assert reduced_around(head, site)
    assert any(line == site for line, _, _ in both(head))


def test_a_name_re_exported_by_the_project():
    head = "from tests.compat import p\n" + FILLER + f"\n\ndef test_reexport(client):\n{BUSY}    with p('app.db.engine'):\n        pass\n{BUSY}"
    found = both(head, reexports={("tests.compat", "p"): "unittest.mock.patch"})
    assert (line_of(head, "with p("), "patch", "app.db.engine") in found


def test_a_mock_subclass_a_global_binding_and_shadowing_names():
    head = "from unittest.mock import MagicMock, patch\n" + FILLER + (
        "\n\nclass FakeMailer(MagicMock):\n    pass\n"
        f"\n\ndef test_subclass(client):\n{BUSY}    mailer = FakeMailer()\n{BUSY}"
        f"\n\ndef test_shadow(client):\n    patch = client.patch\n{BUSY}    patch('/items/1')\n"
    )
    found = both(head)
    assert any(line == line_of(head, "mailer = FakeMailer()") for line, _, _ in found)
    assert not any(line == line_of(head, "patch('/items/1')") for line, _, _ in found)


@pytest.mark.parametrize(
    "body",
    [
        "    if client: patch('app.a')\n",
        "    x = 1; patch('app.a')\n",
        "    try:\n        client.get('/')\n    except ValueError:\n        pass\n    else:\n        patch('app.a')\n    finally:\n        client.close()\n",
        "    match client:\n        case 1:\n            client.get('/')\n        case _:\n            patch('app.a')\n",
        "    def inner():\n        client.get('/')\n        return patch('app.a')\n    inner()\n",
        "    for item in client.items:\n        client.get(item)\n    while client.busy:\n        client.wait()\n    patch('app.a')\n",
    ],
)
def test_statement_shapes(body: str):
    head = "from unittest.mock import patch\n" + FILLER + f"\n\ndef test_shape(client):\n{BUSY}{body}{BUSY}"
    assert [(line, construct) for line, construct, _ in both(head)] == [(line_of(head, "patch('app.a')"), "patch")]


def test_a_file_newer_than_the_running_parser_is_reduced_where_its_statements_parse():
    head = "from unittest.mock import patch\n" + FILLER + f"\n\ndef test_x(client):\n{BUSY}    with patch('app.a'):\n        pass\n" + "\n\ndef broken(:\n" + BUSY + "    patch('app.b')\n"
    assert parse_cached(head) is None  # the whole file does not parse
    # each chunk goes through `ast` alone: the one that does not parse is parsed whole by libcst
    assert reduced_around(head, line_of(head, "with patch")) and not reduced_around(head, line_of(head, "patch('app.b')"))
    assert (line_of(head, "with patch"), "patch", "app.a") in [
        (s["line"], s["construct"], s["target"]) for s in sites(head, {line_of(head, "with patch")}) if "construct" in s
    ]


def test_a_chunk_cut_inside_a_string_is_reduced_as_the_code_libcst_reads_in_it():
    """A top-level-looking line inside a multi-line string starts a chunk of its own: the first
    pass reads such a chunk as libcst would, alone, with its own strings and comments blanked,
    and the file's sites are those found without the first pass."""
    inner = f"from unittest.mock import patch\ndef test_in_doc(client):\n{BUSY}    patch('app.doc')\n"
    text = f'DOC = """\n{inner}"""\n\n\ndef test_real(client):\n{BUSY}    with patch("app.real"):\n        pass\n'
    assert reduced_around(text, line_of(text, "patch('app.doc')"))
    assert both(text) == sites_without_first_pass(text)


def sites_without_first_pass(text: str) -> list[tuple[int, str, str | None]]:
    return [(s["line"], s["construct"], s.get("target")) for s in sites(text, reduce=False) if "construct" in s]  # type: ignore[misc]
