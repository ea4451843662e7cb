"""New files are read from git's diff without building an object per added line; every file the
diff holds, new or not, comes out as unidiff reads it (added lines, status, renames, binaries)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.gitrepo import read_change, resolve_revisions
from tests.support.git import GitRepo

T = "tests/integration"


def test_new_files_of_every_shape_next_to_modified_renamed_and_deleted_ones(tmp_path: Path):
    repo = GitRepo(tmp_path / "repo")
    moved = "".join(f"def test_{i}():\n    assert {i}\n" for i in range(30))
    repo.commit_files({f"{T}/test_old.py": "import os\n\nx = 1\n", f"{T}/test_moved.py": moved, f"{T}/test_gone.py": "y = 2\n"}, "base", tag="base")
    repo.commit_files({f"{T}/test_old.py": "import os\nimport json\n\nx = 2\n", f"{T}/test_moved.py": None, f"{T}/test_gone.py": None}, "edit")
    repo.write(f"{T}/sub/test_renamed.py", moved + "def test_extra():\n    pass\n", dedent=False)
    repo.write(f"{T}/test_new.py", "from unittest.mock import patch\n\n\ndef test_a():\n    patch('x')\n", dedent=False)
    repo.write(f"{T}/test_one_line.py", "import pytest", dedent=False)  # one line, no newline at its end
    repo.write(f"{T}/test_empty.py", "", dedent=False)
    repo.write(f"{T}/test with space.py", "a = 1\nb = 2\n", dedent=False)
    repo.write_bytes(f"{T}/test_binary.py", b"\x00\x01binary\n")
    repo.commit("head", tag="head")

    read = read_change(repo.root, resolve_revisions(repo.root, "base", "head", False))
    changes = {c.path: (c.status, c.base_path, sorted(c.added_lines), sorted(c.deleted_lines)) for c in read.changes}
    assert changes == {
        f"{T}/test_old.py": ("modified", f"{T}/test_old.py", [2, 4], [3]),
        f"{T}/sub/test_renamed.py": ("renamed", f"{T}/test_moved.py", [61, 62], []),
        f"{T}/test_new.py": ("added", None, [1, 2, 3, 4, 5], []),
        f"{T}/test_one_line.py": ("added", None, [1], []),
        f"{T}/test with space.py": ("added", None, [1, 2], []),
        f"{T}/test_gone.py": ("source", f"{T}/test_gone.py", [], [1]),
    }
    listed = repo.git("diff", "--name-only", "-M", "base", "head").splitlines()
    assert [c.path for c in read.changes] == [p.strip('"') for p in listed if p.strip('"') in changes]  # git's order, kept
    assert [(n.path, n.message) for n in read.notices] == [(f"{T}/test_binary.py", "skipped: binary file")]


def test_a_base_rebuilt_from_its_head_is_the_base_blob_byte_for_byte(tmp_path: Path):
    """A file the change only adds lines to gets its base rebuilt from its head (not read from
    git); whatever the file's shape, the rebuilt base is the base commit's blob exactly, and a
    head whose bytes are not what the diff compared (here: a working tree git converts) is read."""
    repo = GitRepo(tmp_path / "repo")
    shapes = {
        f"{T}/test_top.py": (b"a = 1\nb = 2\n", b"import pytest\na = 1\nb = 2\n"),
        f"{T}/test_end_no_newline.py": (b"a = 1\nb = 2", b"a = 1\nc = 3\nb = 2"),
        f"{T}/test_carriage.py": (b"a = 1\r\nb = '\r'\r\n", b"a = 1\r\nx = 0\r\nb = '\r'\r\n"),
        f"{T}/test_latin.py": (b"# -*- coding: latin-1 -*-\nname = '\xe9'\n", b"# -*- coding: latin-1 -*-\nname = '\xe9'\nother = 1\n"),
        f"{T}/test_renamed_from.py": (b"".join(b"def test_%d():\n    assert %d\n" % (i, i) for i in range(20)), None),
    }
    for path, (base, _) in shapes.items():
        repo.write_bytes(path, base)
    repo.commit("base", tag="base")
    for path, (_, head) in shapes.items():
        if head is not None:
            repo.write_bytes(path, head)
    repo.git("mv", f"{T}/test_renamed_from.py", f"{T}/test_renamed_to.py")
    repo.write_bytes(f"{T}/test_renamed_to.py", shapes[f"{T}/test_renamed_from.py"][0] + b"def test_more():\n    pass\n")
    repo.commit("head", tag="head")

    read = read_change(repo.root, resolve_revisions(repo.root, "base", "head", False))
    bases = {c.path: c.base_text for c in read.changes}
    assert sorted(bases) == sorted(p for p in [*shapes, f"{T}/test_renamed_to.py"] if p != f"{T}/test_renamed_from.py")
    for change in read.changes:
        assert change.deleted_lines == frozenset()
        blob = subprocess.run(["git", "-C", str(repo.root), "show", f"base:{change.base_path}"], capture_output=True, check=True).stdout
        assert change.base_text == blob.decode("latin-1" if "latin" in change.path else "utf-8")

    # The working tree, converted to CRLF on checkout by the repository's own attributes: git
    # diffs the converted bytes, the file holds others, so the base is read from git.
    repo.write(".gitattributes", "*.py text eol=crlf\n")
    repo.commit("attributes", tag="crlf-base")
    (repo.root / f"{T}/test_top.py").unlink()
    repo.git("checkout", "--", f"{T}/test_top.py")
    (repo.root / f"{T}/test_top.py").write_bytes((repo.root / f"{T}/test_top.py").read_bytes() + b"z = 3\r\n")
    read = read_change(repo.root, resolve_revisions(repo.root, "crlf-base", None, False), paths=[f"{T}/test_top.py"])
    [change] = read.changes
    assert change.base_text == "import pytest\na = 1\nb = 2\n"
    assert change.head_text == "import pytest\r\na = 1\r\nb = 2\r\nz = 3\r\n"


def test_a_file_whose_lines_look_like_a_diff_is_read_as_its_lines(tmp_path: Path):
    """git's diff is cut into files at lines starting `diff --git ` and a new file's hunk is read
    from its header: lines of a file that look like those (a patch kept as test data) are only lines."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit_files({f"{T}/test_kept.py": "x = 1\n"}, "base", tag="base")
    looks_like_a_diff = "diff --git a/x b/x\n@@ -0,0 +1,3 @@\n\ndiff --git a/y b/y\nnew file mode 100644\n@@ -0,0 +1 @@\n"
    repo.write(f"{T}/test_data.py", f'PATCH = """\n{looks_like_a_diff}"""\n', dedent=False)
    repo.write(f"{T}/test_kept.py", f'x = 1\nPATCH = """\n{looks_like_a_diff}"""\n', dedent=False)
    repo.write(f"{T}/test_after.py", "y = 2\n", dedent=False)
    repo.commit("head", tag="head")

    read = read_change(repo.root, resolve_revisions(repo.root, "base", "head", False))
    lines = len(looks_like_a_diff.splitlines()) + 2
    assert {c.path: (c.status, sorted(c.added_lines)) for c in read.changes} == {
        f"{T}/test_data.py": ("added", list(range(1, lines + 1))),
        f"{T}/test_kept.py": ("modified", list(range(2, lines + 2))),
        f"{T}/test_after.py": ("added", [1]),
    }
    assert all(c.head_text == (repo.root / c.path).read_text() for c in read.changes)
