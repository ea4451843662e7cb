"""The cheap first pass (strings and comments blanked before looking for trigger words) never
drops a real site, on huge files too, and keeps every line where it was."""

from __future__ import annotations

from bot.engine.analyse import analyse
from bot.engine.diff import lines_from_texts, source_lines
from bot.engine.first_pass import code_only
from bot.engine.model import FileChange

PATH = "tests/integration/test_big.py"
# A thousand lines of a test module that mentions mocks only in docstrings, comments and strings.
FILLER = "".join(
    f'def test_case_{i}(client):\n    """No mock here: we used to patch(\'app.db\') and MagicMock() it."""\n'
    f"    # mocker.patch was removed\n    assert client.get('/mock_{i}').ok\n\n\n"
    for i in range(170)
)


def findings(base: str | None, head: str) -> list[tuple[int, str]]:
    added, deleted = lines_from_texts(base, head)
    change = FileChange(PATH, PATH if base is not None else None, base, head, added, deleted, "modified" if base else "added")
    report = analyse([change], workers=1)
    return [(f.line, f.construct) for f in report.findings]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(source_lines(text), 1) if needle in line)


def test_code_only_keeps_lines_and_blanks_strings_and_comments():
    text = 'x = "a # b"  # patch(\n"""doc\nmock\n"""\ny = \'\'\'\n\'\'\' + f"{z}"  # MagicMock\npatch("t")\n'
    code = code_only(text)
    assert len(source_lines(code)) == len(source_lines(text))
    assert "patch(" not in source_lines(code)[0] and "MagicMock" not in code and "mock" not in code
    assert source_lines(code)[-1] == 'patch("")'


def test_mock_words_only_in_strings_and_comments_are_no_site():
    base = "import pytest\n\n" + FILLER
    head = base + "\n\ndef test_new(client):\n    '''uses no mock_db'''\n    assert client  # MagicMock() is gone\n"
    assert findings(base, head) == []


def test_real_sites_in_a_huge_file_are_all_found():
    base = "import unittest.mock as um\nfrom unittest.mock import *\n\n" + FILLER
    head = base + (
        "\n\ndef test_alias():\n    with um.patch('app.ws.manager'):\n        pass\n"
        "\n\ndef test_star():\n    db = AsyncMock()\n    assert db\n"
        "\n\ndef test_fixture(mocker):\n    mocker.patch('app.cache.redis')\n"
    )
    assert findings(base, head) == [
        (line_of(head, "um.patch"), "patch"),
        (line_of(head, "AsyncMock()"), "AsyncMock"),
        (line_of(head, "mocker.patch('app.cache"), "mocker.patch"),
    ]


def test_inner_line_retarget_of_a_multiline_call_in_a_huge_file():
    call = "\n\ndef test_retarget():\n    with patch(\n        {target},\n    ):\n        pass\n"
    base = "from unittest.mock import patch\n\n" + FILLER + call.format(target="'app.payments.client.send'")
    head = "from unittest.mock import patch\n\n" + FILLER + call.format(target="'app.cache.redis_client'")
    # the added line holds only a string: the statement's code still names `patch`
    assert findings(base, head) == [(line_of(head, "app.cache.redis_client"), "patch")]


# --- the whole-file looks: the same answers as the line-by-line tools they stand for ----------

WORDS_AND_EDGES = [
    "x = 1\n",
    "value = mock\n",
    "value = unmock\n",  # part of a word: no trigger
    "value = mock2\n",
    "value = mock_db\n",  # a prefix of the rules (mock_)
    "value = xmock_db\n",
    "value = 2mock\n",
    "from unittest import mock as m\n",
    "def test(monkeypatch):\n    pass\n",
    "café = MagicMock\n",  # non-ASCII next to the word: the regular expression decides
    "éMock = 1\n",
    "x = Mockéé\n",
    "patch\n",
    "\tpatch.object(a, 'b')\n",
    "a.b.c.d()\n",
]


def test_a_whole_files_trigger_look_is_the_regular_expressions():
    from bot.engine.first_pass import _TRIGGER, code_has_trigger

    for text in WORDS_AND_EDGES:
        assert code_has_trigger(text) == (_TRIGGER.search(text) is not None), text
    assert code_has_trigger("value = mock\n") and not code_has_trigger("value = unmock\n")


CHUNKY = [
    'def f():\n    """Doc.\nstill the docstring at column 0\n"""\n    return 1\n\n\nx = 1\n',
    "x = (1 +\n2)\ny = 2\n",
    "x = 1 + \\\n    2\nif x:\n    pass\nelse:\n    pass\n",
    "@decorator\n\n@other\ndef f():\n    pass\n# a comment at column 0\nclass A:\n    pass\n",
    "try:\n    pass\nexcept Exception:\n    pass\nfinally:\n    pass\n",
    "x = [\n    1,\n]\n",
    "",
    "\n\n\n",
    "x = 1",
]


def test_a_layouts_chunks_are_split_chunks_of_its_code():
    from pathlib import Path

    from bot.engine.first_pass import Layout, split_chunks

    own = [p.read_text(encoding="utf-8") for p in sorted(Path(__file__).resolve().parents[2].joinpath("bot").rglob("*.py"))]
    for text in CHUNKY + own:
        layout = Layout(text)
        assert layout.chunks == split_chunks(source_lines(code_only(text), keepends=True)), text[:200]
        assert layout.lines == source_lines(text, keepends=True)
        for number in range(1, len(layout.lines) + 1):
            index = layout.chunk_index(number)
            assert layout.chunks[index].start < number <= layout.chunks[index].end
            # found from the lines around it alone, before the whole file is cut: the same chunk
            assert Layout(text).chunk_at(number) == layout.chunks[index], (text[:200], number)
        assert Layout(text).chunk_at(0) is None and Layout(text).chunk_at(len(layout.lines) + 1) is None
        # several lines at once, few (found around each) or many (the whole cut): the same chunks
        for numbers in ([1, 2], list(range(0, len(layout.lines) + 3, 5)), list(range(1, len(layout.lines) + 1))):
            expected = sorted({layout.chunks[layout.chunk_index(n)].start: layout.chunks[layout.chunk_index(n)]
                               for n in numbers if 0 < n <= len(layout.lines)}.items())
            assert Layout(text).chunks_holding(numbers) == [chunk for _, chunk in expected]


def test_a_layouts_segment_is_the_join_of_its_lines():
    """`Layout.segment` cuts lines near the top without splitting the whole text: the same text."""
    from bot.engine.first_pass import Layout

    texts = ["", "a", "a\n", "a\nb", "a\nb\n", "\n\n", "x\r\ny\r\n", "a\n\nb\n\n",
             "\n".join(str(i) for i in range(100)) + "\n", "\n".join(str(i) for i in range(100))]
    for text in texts:
        lines = source_lines(text, keepends=True)
        for start in range(0, 70, 3):
            for end in range(0, 110, 7):
                assert Layout(text).segment(start, end) == "".join(lines[start:end]), (text[:20], start, end)


PLAIN_STRINGS_AND_COMMENTS = r"""
      '''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"
    | \#[^\n]*
    """
TRICKY = [
    "x = '''a\\'''' + 'b'\n", '"""a\\"""" + "c"\n', "s = 'unterminated\nx = 1\n", "s = '\\\nnext'\n",
    '"""""""', "'''''", "x='a\\\\'#c\n", 'f"{x!r}" # c\n', "'''\n\n'''\n", '"a""b"', "r'\\'",
    "''' ''' '''", "x = 'it''s'\n", '# "quoted" in a comment\ny = "#not a comment"\n', "\"\"\"doc\n'x'\n\"\"\"\nz = 1\n",
]


def test_the_unrolled_expression_blanks_as_the_plain_one():
    """`code_only`'s expression is the plain alternation written as unrolled loops: on tricky
    strings and on every file of the engine, the same blanked code."""
    import re
    from pathlib import Path

    from bot.engine.first_pass import _blank

    plain = re.compile(PLAIN_STRINGS_AND_COMMENTS, re.VERBOSE)
    own = [p.read_text(encoding="utf-8") for p in sorted(Path(__file__).resolve().parents[2].glob("[bt]*/**/*.py"))]
    for text in TRICKY + own:
        assert code_only(text) == plain.sub(_blank, text), text[:200]
