"""The cheap, exact first pass: which parts of a file can hold a site at all.

Almost every integration test file mentions "mock" somewhere: in a docstring ("no mocks here"), a
comment ("we used to patch the session"), a string. A site is always written with a name in code
(the callee, a fixture, a module, a keyword such as `except`), never only inside a string or a
comment. So the trigger words of the rules are looked for in the code with strings and comments
blanked out, by one regular expression at C speed, keeping every line where it was: a file or a
statement whose code holds no trigger word is never handed to libcst.

A match starts only at a quote or a `#` (a string's prefix letters, `f`, `rb`, stay as harmless
code), so the expression runs at the speed of a plain scan. It errs on the side of keeping code: a string it cannot match (an unterminated one,
a nested f-string of Python 3.12) stays as code, which can only cost a parse, never drop a site.
"""

from __future__ import annotations

import re

_STRINGS_AND_COMMENTS = re.compile(
    r"""
      '''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"
    | \#[^\n]*
    """,
    re.VERBOSE,
)


def _blank(match: re.Match[str]) -> str:
    text = match.group()
    if text.startswith("#"):
        return ""
    # An empty string keeps the code's shape (`patch("x")` -> `patch("")`) and its line count.
    return '""' + "\n" * text.count("\n")


def code_only(text: str) -> str:
    """`text` with string literals emptied and comments removed; line numbers unchanged."""
    return _STRINGS_AND_COMMENTS.sub(_blank, text)
