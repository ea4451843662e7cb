"""What `mockguard check` loads: the real command in its own interpreter, its imports read from
CPython's `-X importtime` report. Heavy libraries are loaded only when the change needs them, so a
small change is checked in a fraction of a second (the numbers are in the README, measured by
`bench/`; this only says which modules are loaded, never how long anything takes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import bot

from tests.support.env import GIT_ENV
from tests.support.git import GitRepo

T = "tests/integration"
QUIET_TEST = '''"""No mocks here: the real service (we used to patch it)."""
import pytest


def test_answers(client):
    assert client.get("/health").status_code == 200
'''


def imported(repo: GitRepo, *args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules (and their top-level packages) a `mockguard check` of the change imports, and its run."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot.cli", "check", "--repo", str(repo.root), "--format", "json", *args],
        capture_output=True, text=True, env=GIT_ENV, cwd=Path(__file__).resolve().parents[2],
    )
    names = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:") and "|" in line}
    return names | {name.split(".")[0] for name in names}, done


def quiet_change(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit_files({f"{T}/test_a.py": QUIET_TEST}, "base", tag="base")
    repo.commit_files({f"{T}/test_a.py": QUIET_TEST.replace("import pytest\n", "import pytest\npytestmark = pytest.mark.slow\n")}, "head", tag="head")
    return repo


def test_a_repository_without_a_rules_file_is_checked_without_pydantic(tmp_path: Path):
    repo = quiet_change(tmp_path)
    modules, done = imported(repo, "--base", "base", "--head", "head")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "bot" in modules and "click" in modules  # the probe sees what is imported
    assert "pydantic" not in modules
    # Nor what only some runs need: a process pool (big changes), categories.yml (a finding), the
    # other formats' renderers, pytest's configuration files.
    assert {"multiprocessing", "yaml", "bot.engine.formats.sarif", "bot.engine.formats.text", "configparser", "tomllib"}.isdisjoint(modules)
    # Nor what only other commands or other diffs need: the installed distribution's metadata (and
    # the email parser under it: the extras of `review`, `serve`...), unidiff (a file changed in
    # place is read from its hunk headers), difflib (a rules file's typo).
    assert {"importlib.metadata", "email", "unidiff", "difflib"}.isdisjoint(modules)
    if hasattr(os, "O_TMPFILE"):  # git's stderr goes to an unnamed file made without tempfile's imports
        assert {"tempfile", "shutil", "random"}.isdisjoint(modules)

    # A new mock, judged by the defaults (severity, tolerations, templates): still no pydantic, and
    # its category is read from categories.yml without PyYAML.
    repo.commit_files({f"{T}/test_b.py": "def test_b(mocker):\n    mocker.patch('app.cache.redis')\n"}, "mock", tag="mock")
    modules, done = imported(repo, "--base", "head", "--head", "mock")
    assert done.returncode == 1 and '"MG1' in done.stdout
    assert {"pydantic", "yaml", "importlib.metadata"}.isdisjoint(modules)
    report = json.loads(done.stdout)
    assert report["findings"][0]["category"] == "redis"
    assert report["tool"]["version"] == bot.__version__  # what `mockguard --version` prints


def test_a_rules_file_is_validated_with_pydantic(tmp_path: Path):
    repo = quiet_change(tmp_path)
    repo.commit_files({".github/mockguard.yml": "fail_on: warning\n"}, "rules", tag="rules")
    repo.commit_files({f"{T}/test_a.py": QUIET_TEST + "\n\ndef test_more(client):\n    assert client.get(\"/more\").status_code == 200\n"}, "more", tag="more")
    modules, done = imported(repo, "--base", "rules", "--head", "more")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pydantic" in modules
