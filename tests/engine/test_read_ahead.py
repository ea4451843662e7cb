"""Heads read ahead: `read_change(on_head=...)` tells head texts as git hands them over (while the
diff still runs), and `analyse(layouts=...)` takes the first looks computed from them. What is
told is what the change holds, a caller's error while told loses nothing, and a look taken at
another text is never used."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.engine.analyse import analyse
from bot.engine.first_pass import Layout
from bot.gitrepo import Objects, read_change, resolve_revisions
from tests.support.git import GitRepo

T = "tests/integration"
QUIET = '"""No mocks: we used to patch the cache."""\nimport pytest\n\n\ndef test_{n}(client):\n    assert client.get("/{n}").ok\n'
MOCKED = "\n\ndef test_new(client, mocker):\n    mocker.patch('app.cache.redis')\n"


def marker_change(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    files = {f"{T}/test_{n}.py": QUIET.format(n=n) for n in range(8)} | {"app/module.py": "import json\n"}
    repo.commit_files(files, "base", tag="base")
    heads = {path: text.replace("import pytest\n", "import pytest\npytestmark = pytest.mark.integration\n") for path, text in files.items()}
    heads[f"{T}/test_3.py"] += MOCKED
    repo.commit_files(heads, "head", tag="head")
    return repo


def test_the_heads_told_ahead_are_the_heads_the_change_holds(tmp_path: Path):
    repo = marker_change(tmp_path)
    told: dict[str, str] = {}
    with Objects(repo.root) as objects:
        read = read_change(repo.root, resolve_revisions(repo.root, "base", "head", False), objects=objects,
                           wanted=lambda p: p.startswith(T), on_head=told.__setitem__)
    heads = {c.path: c.head_text for c in read.changes}
    assert told == heads and len(told) == 8


def test_a_caller_that_fails_while_told_loses_nothing(tmp_path: Path):
    """The reader must read every answer of its batch: an error of the caller stops the telling,
    never the read (the later reads through the same reader still get the right objects)."""
    repo = marker_change(tmp_path)
    revisions = resolve_revisions(repo.root, "base", "head", False)
    calls = []

    def failing(path: str, text: str) -> None:
        calls.append(path)
        raise RuntimeError("the caller's own bug")

    with Objects(repo.root) as objects:
        plain = read_change(repo.root, revisions, objects=objects, wanted=lambda p: p.startswith(T))
        failed = read_change(repo.root, revisions, objects=objects, wanted=lambda p: p.startswith(T), on_head=failing)
        assert objects.text("head", f"{T}/test_3.py") == plain.changes[3].head_text
    assert len(calls) == 1
    assert [dataclasses.astuple(c) for c in failed.changes] == [dataclasses.astuple(c) for c in plain.changes]
    assert failed.notices == plain.notices


def test_first_looks_taken_ahead_give_the_same_report_and_a_stale_one_is_not_used(tmp_path: Path):
    repo = marker_change(tmp_path)
    with Objects(repo.root) as objects:
        read = read_change(repo.root, resolve_revisions(repo.root, "base", "head", False), objects=objects, wanted=lambda p: p.startswith(T))
    plain = dataclasses.asdict(analyse(read.changes, workers=1))
    assert [f["line"] for f in plain["findings"]] == [11]
    ahead = {c.path: Layout(c.head_text or "").read_ahead() for c in read.changes}
    assert dataclasses.asdict(analyse(read.changes, workers=1, layouts=ahead)) == plain
    # A look taken at another text (the base, say) must not stand for the head: the new mock is still found.
    stale = {c.path: Layout(c.base_text or "").read_ahead() for c in read.changes}
    assert dataclasses.asdict(analyse(read.changes, workers=1, layouts=stale)) == plain
