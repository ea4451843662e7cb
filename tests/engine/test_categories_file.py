"""categories.yml is read without PyYAML when it has its plain shape (`name: [word, ...]` lines and
comments), and by PyYAML otherwise: either way the table is what YAML says the file holds."""

from __future__ import annotations

import pytest
import yaml

from bot.engine.categories import _word_lists, keyword_table
from bot.engine.templates import rules_dir


def test_the_shipped_file_reads_as_yaml_reads_it():
    text = (rules_dir() / "categories.yml").read_text(encoding="utf-8")
    plain = _word_lists(text)
    assert plain is not None and plain == yaml.safe_load(text)
    assert list(plain) == list(yaml.safe_load(text))  # the order decides ties
    assert keyword_table() == {name: frozenset(words) for name, words in plain.items()}


@pytest.mark.parametrize("text", [
    "# a comment\n\nhttp: [http, url]\nredis: []\n",
    "http: [ http ,url ]\r\nredis: [cache]\r\n",
])
def test_plain_lines_are_read_here(text):
    assert _word_lists(text) == yaml.safe_load(text)


@pytest.mark.parametrize("text", [
    "time: [no, clock]\n",  # YAML 1.1 reads `no` as false
    "no: [clock]\n",
    "time: [1970, clock]\n",  # a number
    "time: [clock]  # trailing comment\n",
    "time:\n  - clock\n",  # block style
    "time: [clock]\ntime: [now]\n",  # a repeated key
    "time: [clock,]\n",
    "  # an indented comment\ntime: [clock]\n",
    "time: ['clock']\n",
])
def test_anything_else_is_left_to_yaml(text):
    assert _word_lists(text) is None
