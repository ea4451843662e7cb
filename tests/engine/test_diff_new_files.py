"""New files are read from git's diff without building an object per added line; every file the
diff holds, new or not, comes out as unidiff reads it (added lines, status, renames, binaries)."""

from __future__ import annotations

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
