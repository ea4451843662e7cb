"""The pre-commit hook, with the real `pre-commit` tool: `pre-commit try-repo` on this checkout
installs mockguard into pre-commit's own virtualenv and runs `mockguard check --staged` in a real
target repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gitrepos import GIT_ENV, GitRepo

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
HOOK_REPO = Path(
    subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=Path(__file__).parent, capture_output=True, text=True, check=True).stdout.strip()
)
# Words in pip's or git's output that mean the package registry could not be reached.
UNREACHABLE = (
    "Temporary failure in name resolution",
    "Name or service not known",
    "NewConnectionError",
    "Network is unreachable",
    "Failed to establish a new connection",
    "No matching distribution found",
    "Could not find a version that satisfies",
    "ProxyError",
    "ConnectTimeoutError",
)

T = "tests/integration/test_threads.py"
CLEAN = "def test_threads(client):\n    assert client.get('/threads').ok\n"


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    """One hook environment for the session: pre-commit installs mockguard into it once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="session")
def hook_ref() -> str:
    """The committed state of this checkout (others' uncommitted work is not part of the hook)."""
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=HOOK_REPO, capture_output=True, text=True, check=True).stdout.strip()


def try_repo(target: GitRepo, home: Path, ref: str, *files: str) -> subprocess.CompletedProcess:
    env = {**GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    done = subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(HOOK_REPO), "mockguard", "--ref", ref, "--verbose", "--files", *files],
        cwd=target.root,
        env=env,
        capture_output=True,
        text=True,
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 and "An unexpected error has occurred" in output:
        log = home / "pre-commit.log"
        details = output + (log.read_text() if log.exists() else "")
        if any(word in details for word in UNREACHABLE):
            pytest.skip(f"pre-commit could not install mockguard: the package registry is unreachable\n{details[-2000:]}")
        pytest.fail(f"pre-commit failed to install or run the hook:\n{details}")
    return done


@pytest.fixture
def target(repo) -> GitRepo:
    repo.write(T, CLEAN)
    repo.commit("base")
    return repo


def test_hook_repository_declares_the_mockguard_hook():
    import yaml

    [hook] = yaml.safe_load((HOOK_REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "mockguard"
    assert hook["entry"] == "mockguard check --staged"
    assert hook["language"] == "python" and hook["pass_filenames"] is False


def test_pre_commit_fails_on_a_staged_new_mock(target, pre_commit_home, hook_ref):
    target.write(T, "from unittest.mock import patch\n\n\ndef test_threads(client):\n    with patch('app.db.session'):\n        assert client.get('/threads').ok\n")
    target.git("add", T)
    done = try_repo(target, pre_commit_home, hook_ref, T)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Failed" in output
    assert f"{T}:5:10: MG101" in output


def test_pre_commit_passes_a_clean_staged_change(target, pre_commit_home, hook_ref):
    target.write(T, CLEAN + "\n\ndef test_more(client):\n    assert client.get('/more').ok\n")
    target.git("add", T)
    # An unstaged mock in the working tree is not part of the commit.
    target.write("tests/integration/test_unstaged.py", "from unittest.mock import MagicMock\n\nclient = MagicMock()\n")
    done = try_repo(target, pre_commit_home, hook_ref, T)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Passed" in output
