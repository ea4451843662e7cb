"""How a blob becomes text (`gitrepo._text`): Python's own rule (PEP 263, a BOM or a coding cookie
in the first two lines, else UTF-8), read without the tokenizer when no cookie can be there, with
the same texts and the same notices as `tokenize.detect_encoding`."""

from __future__ import annotations

import codecs
import io
import tokenize

import pytest

from bot.gitrepo import _text

BLOBS = [
    b"x = 1\n",
    b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
    b"\n# coding=latin-1\nx = '\xe9'\n",
    b"x = 1\n# coding: latin-1\nx = '\xe9'\n",  # a cookie on line 2 counts only under a blank or comment line
    codecs.BOM_UTF8 + b"x = 1\n",
    b"\xff\xfe not UTF-8\n",
    b"x = '\xc3\xa9'\n",
    b"",
    b"no newline at all",
    b"a\nb",
    b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nx = '\x80'\n",
    b"x = 1\ny = 2\nz = '\xe9'\n",  # invalid UTF-8 after the first two lines
    b"# coding: no-such-codec\nx = 1\n",
    b"s = 'the word coding on line one'\nx = '\xc3\xa9'\n",
]


def by_the_tokenizer(data: bytes) -> tuple[str, bool]:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding), False
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return data.decode("utf-8", "replace"), True


@pytest.mark.parametrize("data", BLOBS)
def test_a_blob_is_decoded_as_pythons_own_rule_decodes_it(data: bytes):
    notices: list = []
    text = _text("tests/integration/test_x.py", data, notices)
    expected, noticed = by_the_tokenizer(data)
    assert text == expected
    assert bool(notices) == noticed
