"""The pre-commit hooks, with the real `pre-commit` tool: a target repository whose
`.pre-commit-config.yaml` names this checkout (at its committed HEAD) makes pre-commit install
mockguard into its own virtualenv once, then run `mockguard check --pre-commit` as users and CI do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.git import GIT_ENV, GitRepo

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


def try_repo(target: GitRepo, home: Path, ref: str, *files: str, args: tuple[str, ...] = (), hook: str = "mockguard") -> subprocess.CompletedProcess:
    """`pre-commit run HOOK` with the target's config, which names this checkout at `ref`:
    pre-commit installs the hook once per (repository, rev) in `home`, as for a real user."""
    env = {**GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    selection = ["--files", *files] if files else []
    done = subprocess.run(
        [str(PRE_COMMIT), "run", hook, "--verbose", *selection, *args],
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
def target(repo, hook_ref) -> GitRepo:
    repo.write(
        ".pre-commit-config.yaml",
        f"repos:\n  - repo: {HOOK_REPO}\n    rev: {hook_ref}\n    hooks: [{{id: mockguard}}, {{id: mockguard-pre-push}}]\n",
    )
    repo.write(T, CLEAN)
    repo.commit("base")
    return repo


def test_hook_repository_declares_the_mockguard_hooks():
    import yaml

    hooks = {hook["id"]: hook for hook in yaml.safe_load((HOOK_REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"mockguard", "mockguard-pre-push"}
    for hook in hooks.values():
        assert hook["entry"] == "mockguard check --pre-commit"
        assert hook["language"] == "python" and hook["pass_filenames"] is False and hook["always_run"] is True
    assert "pre-push" in hooks["mockguard"]["stages"] and "pre-commit" in hooks["mockguard"]["stages"]
    assert hooks["mockguard-pre-push"]["stages"] == ["pre-push"]


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


MOCKED = "from unittest.mock import patch\n\n\ndef test_threads(client):\n    with patch('app.db.session'):\n        assert client.get('/threads').ok\n"


def commit_no_verify(target: GitRepo, message: str) -> None:
    target.git("add", "-A")
    target.git("commit", "-q", "--no-verify", "-m", message)


def test_from_ref_to_ref_checks_a_commit_made_with_no_verify(target, pre_commit_home, hook_ref):
    # What CI runs (`pre-commit run --from-ref ... --to-ref ...`): the hook must check the commits,
    # not the (empty) index.
    target.write(T, MOCKED)
    commit_no_verify(target, "sneak a mock in")
    done = try_repo(target, pre_commit_home, hook_ref, args=("--from-ref", "HEAD~1", "--to-ref", "HEAD"))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert f"{T}:5:10: MG101" in output
    assert "compared HEAD~1" in output


def test_pre_push_stage_checks_the_pushed_commits(target, pre_commit_home, hook_ref):
    target.write(T, MOCKED)
    commit_no_verify(target, "sneak a mock in")
    for hook in ("mockguard", "mockguard-pre-push"):
        done = try_repo(target, pre_commit_home, hook_ref, hook=hook, args=("--hook-stage", "pre-push", "--from-ref", "HEAD~1", "--to-ref", "HEAD"))
        output = done.stdout + done.stderr
        assert done.returncode == 1, output
        assert f"{T}:5:10: MG101" in output


def test_all_files_with_nothing_staged_compares_with_the_default_branch(target, pre_commit_home, hook_ref):
    target.git("switch", "-q", "-c", "feature")
    target.write(T, MOCKED)
    commit_no_verify(target, "sneak a mock in")
    done = try_repo(target, pre_commit_home, hook_ref, args=("--all-files",))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert f"{T}:5:10: MG101" in output
    assert "compared main" in output


def test_all_files_with_no_default_branch_is_exit_2(target, pre_commit_home, hook_ref):
    target.git("branch", "-m", "trunk")
    target.write(T, MOCKED)
    commit_no_verify(target, "sneak a mock in")
    done = try_repo(target, pre_commit_home, hook_ref, args=("--all-files",))
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "cannot find the default branch" in output and "--base" in output
