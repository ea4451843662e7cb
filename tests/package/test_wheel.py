"""The built package: sdist and wheel contents, and a clean install of the core from the wheel.

No editable install, no source tree on the path: the wheel is installed into a fresh virtual
environment and its own `mockguard` is run, as a user would.
"""

from __future__ import annotations

import tarfile
import zipfile
from email.parser import Parser

import pytest

import bot
from wheel_install import ROOT, build, install

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    return build(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def core(dist, tmp_path_factory):
    return install(dist.wheel, tmp_path_factory.mktemp("venv") / "core")


def test_the_sdist_carries_what_a_rebuild_and_a_reader_need(dist):
    with tarfile.open(dist.sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in ("LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", "requirements.lock",
                   "rules/categories.yml", "rules/starter.yml", "rules/templates/database.py",
                   "bot/sandbox/data/github-subset.json"):
        assert needed in names, needed


def test_the_wheel_carries_its_data_files_licence_and_the_one_version(dist):
    with zipfile.ZipFile(dist.wheel) as archive:
        names = set(archive.namelist())
        info = f"mockguard-{bot.__version__}.dist-info"
        metadata = Parser().parsestr(archive.read(f"{info}/METADATA").decode())
    assert dist.wheel.name == f"mockguard-{bot.__version__}-py3-none-any.whl"
    assert metadata["Version"] == bot.__version__
    assert f"{info}/licenses/LICENSE" in names
    for needed in ("bot/_rules/categories.yml", "bot/_rules/starter.yml", "bot/_rules/templates/websocket.py",
                   "bot/sandbox/data/github-subset.json", "bot/sandbox/web/pull.html", "bot/demo/sample/head/app/chat.py"):
        assert needed in names, needed
    assert not any(name.startswith("tests/") for name in names)
    core = sorted(r.split(">")[0].split("<")[0].split("=")[0].strip().lower()
                  for r in metadata.get_all("Requires-Dist") if "extra ==" not in r)
    assert core == ["click", "libcst", "pydantic", "pyyaml", "rich", "unidiff", "wcmatch"]
    assert set(metadata.get_all("Provides-Extra")) >= {"github", "app", "sandbox", "demo"}


def test_the_core_install_prints_its_version_and_checks_the_sample(core):
    version = core.run("mockguard", "--version")
    assert version.returncode == 0 and version.stdout.strip() == f"mockguard, version {bot.__version__}"
    sample = core.run("bash", str(ROOT / "examples/run-sample.sh"), env={"MOCKGUARD": str(core.bin / "mockguard")})
    assert sample.returncode == 1, sample.stderr  # new mocks: a failing gate
    assert "MG101" in sample.stdout and "MG102" in sample.stdout
    assert "use instead:" in sample.stdout  # the templates shipped in the wheel were found
    rules = core.run("mockguard", "rule", "MG101")
    assert rules.returncode == 0 and "Use instead" in rules.stdout


def test_the_core_install_has_no_web_service_in_it(core):
    for module in ("fastapi", "uvicorn", "huey", "redis", "github", "jinja2"):
        probe = core.run("python", "-c", f"import {module}")
        assert probe.returncode == 1 and "ModuleNotFoundError" in probe.stderr, module


@pytest.mark.parametrize("command, extra", [("serve", "app"), ("worker", "app"), ("sandbox", "sandbox"),
                                            ("demo", "demo"), ("review", "github")])
def test_a_command_whose_extra_is_missing_says_which_to_install_in_one_line(core, command, extra):
    result = core.run("mockguard", command, "--port", "0")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"mockguard {command} needs the '{extra}' extra")
    assert line.endswith(f"pip install 'mockguard[{extra}]'")
    listing = core.run("mockguard", "--help")
    assert listing.returncode == 0 and f"(not installed: pip install 'mockguard[{extra}]')" in listing.stdout


def test_the_github_extra_runs_review_against_the_sandbox_from_the_wheel(dist, tmp_path):
    from pullrepo import WRITE_ALL, Workflow, plain_token, sandbox_for

    venv = install(dist.wheel, tmp_path / "venv-github", "github")
    for module in ("fastapi", "uvicorn", "huey"):  # [github] is not [app]
        assert venv.run("python", "-c", f"import {module}").returncode == 1, module
    (tmp_path / "world").mkdir()
    workflow = Workflow(tmp_path / "world")
    with sandbox_for(workflow) as sandbox:  # the sandbox runs from the development install
        token = plain_token(sandbox.url, workflow.private_key, WRITE_ALL)
        done = venv.run("mockguard", "review", "--repo", "acme/widgets", "--pr", "7", "--api-url", sandbox.url,
                        cwd=workflow.workspace, env={"GITHUB_TOKEN": token})
        assert done.returncode == 1, done.stderr
        assert "posted as a check run" in done.stdout and "read with git" in done.stdout
        state = sandbox.state()
        assert state["check_runs"][0]["conclusion"] == "failure" and len(state["reviews"]) == 1
