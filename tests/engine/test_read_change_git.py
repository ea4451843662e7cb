"""`read_change` on real repositories: the head blobs it reads while `git diff` runs (by the ids of
`git diff --raw`) and the files it reads from `-U0` hunk headers without unidiff give what the
plain way gives: git's own blobs, unidiff's line numbers, the same notices for what is missing."""

from __future__ import annotations

import io
import json
import random
import re
import subprocess
from pathlib import Path

import pytest
from unidiff import PatchSet

from bot.engine.diff import changed_lines
from bot.gitrepo import GitError, Objects, _without_lines, read_change, resolve_revisions
from tests.support.git import GitRepo

T = "tests/integration"
BODY = "".join(f"def test_{i}(client):\n    assert client.get('/{i}').ok\n\n\n" for i in range(12))


def blob(repo: GitRepo, revision: str, path: str) -> str:
    return subprocess.run(["git", "-C", str(repo.root), "show", f"{revision}:{path}"], capture_output=True, check=True).stdout.decode()


def unidiff_lines(repo: GitRepo, base: str, head: str) -> dict[str, tuple[list[int], list[int]]]:
    """Added and deleted lines of every file of git's -U0 diff, as unidiff reads them."""
    diff = repo.git("-c", "core.quotepath=off", "diff", "-M", "-U0", "--full-index", base, head) + "\n"
    out = {}
    for patched in PatchSet(io.StringIO(diff)):
        added, deleted = changed_lines(patched)
        out[patched.path] = (sorted(added), sorted(deleted))
    return out


def test_files_changed_in_place_get_unidiffs_lines_from_their_hunk_headers(tmp_path: Path):
    lines = BODY.splitlines(keepends=True)
    repo = GitRepo(tmp_path / "repo")
    heads = {
        "several_hunks": "".join(lines[:3] + ["# one\n", "# two\n"] + lines[3:20] + ["# three\n"] + lines[22:]),
        "deleted_only": "".join(lines[:5] + lines[9:]),
        "replaced": "".join(lines[:2] + ["    assert True\n"] + lines[3:]),
        "top_and_end_without_newline": "import pytest\n" + BODY + "x = 1",
        "emptied": "",
        "one_line_to_another": "a = 2\n",
        "crlf": BODY.replace("\n", "\r\n") + "# end\r\n",
    }
    bases = {name: ("a = 1\n" if name == "one_line_to_another" else BODY) for name in heads}
    repo.commit_files({f"{T}/test_{name}.py": text for name, text in bases.items()} | {f"{T}/test with space.py": BODY}, "base", tag="base")
    repo.commit_files({f"{T}/test_{name}.py": text for name, text in heads.items()} | {f"{T}/test with space.py": BODY + "# more\n"}, "head", tag="head")

    read = read_change(repo.root, resolve_revisions(repo.root, "base", "head", False))
    expected = unidiff_lines(repo, "base", "head")
    assert {c.path: (sorted(c.added_lines), sorted(c.deleted_lines)) for c in read.changes} == expected
    assert expected[f"{T}/test_several_hunks.py"] == ([4, 5, 23], [21, 22])  # the reference reads what it should
    assert [c.status for c in read.changes if c.path == f"{T}/test_emptied.py"] == ["source"]  # only deletes: a source
    for change in read.changes:
        assert change.base_text == blob(repo, "base", change.path)
        assert change.head_text == (None if change.status == "source" else blob(repo, "head", change.path))


def test_renamed_files_are_read_from_their_own_blobs(tmp_path: Path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit_files({f"{T}/test_pure.py": BODY, f"{T}/test_edited.py": BODY.replace("test_", "check_"),
                       "tools/test_helper.py": BODY.replace("client", "api")}, "base", tag="base")
    (repo.root / T / "moved").mkdir()
    repo.git("mv", f"{T}/test_pure.py", f"{T}/moved/test_pure.py")
    repo.git("mv", f"{T}/test_edited.py", f"{T}/test_edited_now.py")
    repo.write(f"{T}/test_edited_now.py", BODY.replace("test_", "check_") + "# edited\n", dedent=False)
    repo.git("mv", "tools/test_helper.py", f"{T}/test_helper.py")  # renamed into the gate
    repo.commit("head", tag="head")

    read = read_change(repo.root, resolve_revisions(repo.root, "base", "head", False), wanted=lambda p: p.startswith(T))
    assert {c.path: (c.status, c.base_path, sorted(c.added_lines)) for c in read.changes} == {
        f"{T}/moved/test_pure.py": ("renamed", f"{T}/test_pure.py", []),
        f"{T}/test_edited_now.py": ("renamed", f"{T}/test_edited.py", [49]),
        f"{T}/test_helper.py": ("renamed", "tools/test_helper.py", []),
    }
    for change in read.changes:
        assert change.head_text == blob(repo, "head", change.path)
        assert change.base_text == blob(repo, "base", change.base_path)
    assert read.notices == [] and read.unreadable == []


def lose(repo: GitRepo, revision: str, path: str) -> None:
    """Delete one blob from the object store, as a partial clone that cannot fetch it lacks it."""
    lost = repo.git("rev-parse", f"{revision}:{path}")
    (repo.root / ".git" / "objects" / lost[:2] / lost[2:]).unlink()


def test_a_renamed_files_missing_blob_is_a_notice(tmp_path: Path):
    """The head blobs are asked for while git diffs: a lost one (here a pure rename's, which is
    its base's too) is missing there, and the diff fails; both sides are named (the rename is
    then listed as a deletion and an addition), the rest of the change is read."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit_files({f"{T}/test_renamed.py": BODY + "# renamed\n", f"{T}/test_kept.py": BODY}, "base", tag="base")
    repo.git("mv", f"{T}/test_renamed.py", f"{T}/test_renamed_now.py")
    repo.write(f"{T}/test_kept.py", BODY + "# kept\n", dedent=False)
    repo.commit("head", tag="head")
    lose(repo, "head", f"{T}/test_renamed_now.py")

    read = read_change(repo.root, resolve_revisions(repo.root, "base", "head", False))
    assert [(c.path, c.head_text) for c in read.changes] == [(f"{T}/test_kept.py", BODY + "# kept\n")]
    assert read.unreadable == [f"{T}/test_renamed.py", f"{T}/test_renamed_now.py"]
    assert [(n.path, n.level) for n in read.notices] == [(f"{T}/test_renamed.py", "warning"), (f"{T}/test_renamed_now.py", "warning")]
    assert all(n.message.startswith("could not be read, so it was not checked: ") for n in read.notices)


def test_a_missing_head_blob_that_fails_the_diff_is_a_notice(tmp_path: Path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit_files({f"{T}/test_edited.py": BODY, f"{T}/test_kept.py": BODY}, "base", tag="base")
    repo.commit_files({f"{T}/test_edited.py": BODY + "# edited\n", f"{T}/test_kept.py": BODY + "# kept\n"}, "head", tag="head")
    lose(repo, "head", f"{T}/test_edited.py")

    read = read_change(repo.root, resolve_revisions(repo.root, "base", "head", False))
    assert [(c.path, c.head_text) for c in read.changes] == [(f"{T}/test_kept.py", BODY + "# kept\n")]
    assert read.unreadable == [f"{T}/test_edited.py"]
    [notice] = read.notices
    assert notice.path == f"{T}/test_edited.py" and notice.message.startswith("could not be read, so it was not checked: ")


def test_the_index_is_read_not_the_working_tree(tmp_path: Path):
    repo = GitRepo(tmp_path / "repo")
    repo.commit_files({f"{T}/test_a.py": BODY}, "base", tag="base")
    repo.write(f"{T}/test_a.py", BODY + "# staged\n", dedent=False)
    repo.git("add", "-A")
    repo.write(f"{T}/test_a.py", BODY + "# staged\n# not staged\n", dedent=False)

    [change] = read_change(repo.root, resolve_revisions(repo.root, None, None, True)).changes
    assert change.head_text == BODY + "# staged\n" and sorted(change.added_lines) == [49]
    [change] = read_change(repo.root, resolve_revisions(repo.root, "base", None, False)).changes
    assert change.head_text == BODY + "# staged\n# not staged\n" and sorted(change.added_lines) == [49, 50]


def test_a_partial_clone_reads_the_same_change_with_one_fetch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A clone without blobs (`--filter=blob:none`): git's diff fetches what it needs from the
    origin in one batch, and the change read is the full repository's. The head blobs are not
    asked for while the diff runs there: `cat-file` would fetch each missing one on its own."""
    origin = GitRepo(tmp_path / "origin")
    origin.git("config", "uploadpack.allowFilter", "true")
    origin.commit_files({f"{T}/test_{i}.py": BODY for i in range(5)} | {"app/x.py": "x = 1\n"}, "base", tag="base")
    origin.commit_files({f"{T}/test_{i}.py": BODY + f"# {i}\n" for i in range(5)} | {"app/x.py": None, f"{T}/test_new.py": "y = 2\n"}, "head", tag="head")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--bare", "--filter=blob:none", "--no-local", f"file://{origin.root}", str(clone)], check=True)
    count = subprocess.run(["git", "-C", str(clone), "rev-list", "--objects", "--missing=print", "--all"], capture_output=True, text=True, check=True)
    assert "?" in count.stdout  # blobs really are missing before the read

    full = read_change(origin.root, resolve_revisions(origin.root, "base", "head", False))
    revisions = resolve_revisions(clone, "base", "head", False)
    trace = tmp_path / "trace.json"
    monkeypatch.setenv("GIT_TRACE2_EVENT", str(trace))  # git's own account of the processes it starts
    partial = read_change(clone, revisions)
    monkeypatch.delenv("GIT_TRACE2_EVENT")
    assert partial.changes == full.changes and len(full.changes) == 7
    assert partial.notices == full.notices == [] and partial.unreadable == []
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    fetches = [e["argv"] for e in events if e.get("event") == "child_start" and "fetch" in e.get("argv", [])]
    assert len(fetches) == 1, fetches


def test_a_base_rebuilt_from_its_head_drops_exactly_the_added_lines():
    """`_without_lines` (a pure function: the base of a file the change only adds lines to) against
    the plain reading: the file cut into lines ending at each newline, the numbered ones dropped."""
    rng = random.Random(14)
    pieces = [b"a", b"bb", b"", b"\r", b"c\r", b"# x"]
    for _ in range(4000):
        data = b"\n".join(rng.choice(pieces) for _ in range(rng.randrange(8)))
        if rng.random() < 0.5:
            data += b"\n"
        lines = re.findall(rb"[^\n]*\n|[^\n]+$", data)
        numbers = frozenset(rng.sample(range(0, len(lines) + 3), min(len(lines) + 3, rng.choice([0, 1, 2, 3, 12]))))
        expected = b"".join(line for number, line in enumerate(lines, 1) if number not in numbers)
        assert _without_lines(data, numbers) == expected, (data, sorted(numbers))


@pytest.mark.parametrize("tmpdir", ["folder", "a file"])
def test_gits_own_message_says_why_a_read_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tmpdir: str):
    """`Objects` keeps `git cat-file`'s standard error in a scratch file: when git stops, its
    message is the error. (A TMPDIR that cannot hold one falls back to Python's tempfile rules.)"""
    scratch = tmp_path / "scratch"
    scratch.mkdir() if tmpdir == "folder" else scratch.write_text("")
    monkeypatch.setenv("TMPDIR", str(scratch))
    (tmp_path / "plain").mkdir()
    with Objects(tmp_path / "plain") as objects, pytest.raises(GitError, match="not a git repository"):
        objects.read("HEAD:x.py")
    repo = GitRepo(tmp_path / "repo")
    repo.commit_files({"x.py": "x = 1\n"}, "one")
    with Objects(repo.root) as objects:
        assert objects.read_many(["HEAD:x.py", "HEAD:nothing.py"]) == [b"x = 1\n", None]
