"""`split_chunks`: where a file is cut into top-level statements, by their look.

It looks only at lines that start with code at column 0; the rule it implements is written out
plainly here, line by line (`cuts_by_the_rule`), and both must cut every input the same way."""

from __future__ import annotations

import random
import re
from pathlib import Path

from bot.engine.diff import source_lines
from bot.engine.first_pass import code_only
from bot.engine.first_pass import split_chunks

CONTINUATIONS = ("else", "elif", "except", "finally")


def cuts_by_the_rule(lines: list[str]) -> list[tuple[int, int]]:
    """A line starts a chunk when it is code at column 0, is not the file's first line, does not
    follow a backslash-continued line or a decorator, and does not close a bracket or continue a
    compound statement (`else`, `elif`, `except`, `finally`)."""
    starts, in_decorators, continues = [0], False, False
    for index, line in enumerate(lines):
        stripped = line.rstrip("\r\n")
        if not stripped.strip() or stripped.lstrip().startswith("#"):
            continue
        top = not stripped[0].isspace()
        if top and index > 0 and not continues and not in_decorators:
            word = re.match(r"[A-Za-z_][A-Za-z0-9_]*", stripped)  # the first word, as Python names go
            if not stripped.startswith((")", "]", "}")) and not (word and word.group() in CONTINUATIONS):
                if starts[-1] != index:
                    starts.append(index)
        if top:
            in_decorators = stripped.startswith("@")
        continues = stripped.endswith("\\")
    bounds = [*starts, len(lines)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if a < b]


def cuts(lines: list[str]) -> list[tuple[int, int]]:
    return [(c.start, c.end) for c in split_chunks(lines)]


def test_statements_decorators_continuations_and_closers():
    text = (
        "import os\n"                       # 0
        "@fixture\n"                        # 1
        "# a comment between\n"             # 2
        "def f():\n"                        # 3  (decorated: stays with the decorator)
        "    return 1\n"                    # 4
        "\n"                                # 5
        "x = [\n"                           # 6
        "1,\n"                              # 7  (column 0 inside brackets: cut by look, parsing widens)
        "]\n"                               # 8  (a closer never starts a chunk)
        "try:\n"                            # 9
        "    pass\n"                        # 10
        "except E:\n"                       # 11 (continues the try)
        "    pass\n"                        # 12
        "y = 1 + \\\n"                      # 13
        "2\n"                               # 14 (after a backslash: same statement)
        "    # indented comment ending \\\n"  # 15 (comments never continue a line)
        "z = 3\n"                           # 16
        "else_value = 4\n"                  # 17 (a name that starts with `else` is a statement)
    )
    assert cuts(source_lines(text, keepends=True)) == [(0, 1), (1, 6), (6, 7), (7, 9), (9, 13), (13, 16), (16, 17), (17, 18)]


def test_every_shape_is_cut_as_the_rule_says():
    pieces = ["x = 1", "    y = 2", "", "   ", "# c", "    # c \\", "@dec", "@dec(", ")", "]", "}", "else:", "elif x:",
              "except E:", "finally:", "def f():", "class C:", "a = b \\", "\\", "\t z", "\x0c q", "\xa0w", "\r",
              "else_x = 1", "#!", "if x:", "try:", "  )", "'''", "s = '''", "@", "ab\\\r", "finally_ = 2", "é = 1"]
    rng = random.Random(14)
    texts = ["".join(rng.choice(pieces) + rng.choice(["\n", "\r\n", ""]) for _ in range(rng.randint(0, 14))) for _ in range(20_000)]
    texts += [p.read_text(encoding="utf-8") for p in sorted((Path(__file__).resolve().parents[2] / "bot").rglob("*.py"))]
    for text in texts:
        for lines in (source_lines(text, keepends=True), source_lines(text), source_lines(code_only(text), keepends=True)):
            assert cuts(lines) == cuts_by_the_rule(lines), lines[:30]
