"""The deployment files work as documented, checked statically (no image registry is reachable
here): compose.yaml against the Compose Specification's schema (as check-jsonschema ships it), the
Dockerfile's numeric user and readiness health check, the build context's ignore file. A real
`docker build` runs only where a daemon and the base image are there."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE_TEXT = (ROOT / "compose.yaml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)


def final_stage(dockerfile: str) -> list[str]:
    """The last stage's instructions, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    lines = [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]
    last_from = max(i for i, line in enumerate(lines) if line.upper().startswith("FROM "))
    return lines[last_from:]


def test_compose_file_is_valid_against_the_compose_specification():
    done = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(ROOT / "compose.yaml")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_compose_states_its_minimum_version_and_the_docs_agree():
    stated = re.search(r"Docker Compose v(\d+\.\d+\.\d+) or newer", COMPOSE_TEXT)
    assert stated, "compose.yaml must say which Compose version it needs"
    # Inline configs (`content:`) are what need 2.23.1.
    assert any("content" in config for config in COMPOSE.get("configs", {}).values())
    assert stated.group(1) == "2.23.1"
    assert "v2.23.1" in (ROOT / "docs" / "service.md").read_text()


def test_the_image_runs_as_a_numeric_non_root_user():
    stage = final_stage(DOCKERFILE)
    [user] = [line.split(None, 1)[1] for line in stage if line.upper().startswith("USER ")]
    assert re.fullmatch(r"\d+(:\d+)?", user), f"USER {user} is not numeric"
    uid = user.split(":")[0]
    assert uid != "0"
    created = re.search(r"useradd [^&]*--uid (\d+)", " ".join(stage))
    assert created and created.group(1) == uid, "the user created and the user run as differ"
    assert f"chown {uid}" in " ".join(stage), "the data volume must belong to the user that writes it"
    # The docs say how to give that uid a key it can read.
    service = (ROOT / "docs" / "service.md").read_text()
    assert "Giving the container its key" in service and f"chown {uid}:" in service


def test_health_checks_probe_readiness():
    [health] = [line for line in final_stage(DOCKERFILE) if line.upper().startswith("HEALTHCHECK ")]
    assert "/readyz" in health and "/healthz" not in health
    web = [name for name, service in COMPOSE["services"].items() if "serve" in service.get("command", [])]
    assert web, "compose.yaml runs no `mockguard serve`"
    for name in web:
        assert "/readyz" in " ".join(COMPOSE["services"][name]["healthcheck"]["test"]), name
    balancer = COMPOSE["services"]["balancer"]["depends_on"]
    assert all(balancer[name]["condition"] == "service_healthy" for name in web)
    # The path the checks probe is a route the service really has.
    assert '@app.get("/readyz")' in (ROOT / "bot" / "service" / "app.py").read_text()


def ignored(patterns: list[str], path: str) -> bool:
    """Docker's rule, enough for this file: the last matching pattern wins; `!` re-includes."""
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        candidates = [path] + [str(Path(*Path(path).parts[:i])) for i in range(1, len(Path(path).parts))]
        if any(fnmatch.fnmatch(candidate, pattern) or fnmatch.fnmatch(candidate, pattern.removeprefix("**/")) or fnmatch.fnmatch(Path(candidate).name, pattern.removeprefix("**/")) for candidate in candidates):
            result = not negate
    return result


def test_dockerignore_keeps_local_state_out_and_the_build_inputs_in():
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip() and not line.startswith("#")]
    for unwanted in (".venv/bin/python", ".git/HEAD", "bot/__pycache__/cli.cpython-311.pyc", ".pytest_cache/v", "mockguard-data/store.db", "secrets/private-key.pem", "key.pem"):
        assert ignored(patterns, unwanted), f"{unwanted} would be sent to the build"
    copied = re.findall(r"^COPY (?!--from)(.+?) \S+$", DOCKERFILE, re.M)
    sources = [source for line in copied for source in line.split()]
    assert {"pyproject.toml", "README.md", "bot", "rules"} <= set(sources)
    for source in sources:
        assert not ignored(patterns, source), f"the Dockerfile copies {source}, but .dockerignore leaves it out"
        assert not ignored(patterns, f"{source}/x.py") or (ROOT / source).is_file()


def docker_ready() -> str | None:
    """Why a real build cannot run here, or None."""
    if not shutil.which("docker"):
        return "docker is not installed"
    if subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        return "no Docker daemon"
    base = re.search(r"^FROM (\S+)", DOCKERFILE, re.M).group(1)
    if subprocess.run(["docker", "image", "inspect", base], capture_output=True).returncode != 0:
        return f"the base image {base} is not present and no registry is reachable"
    return None


def test_the_image_builds_and_runs_as_its_user(tmp_path):
    reason = docker_ready()
    if reason:
        pytest.skip(reason)
    tag = "mockguard-deploy-test:latest"
    build = subprocess.run(["docker", "build", "--pull=false", "-t", tag, str(ROOT)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-3000:]
    try:
        user = subprocess.run(["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"], capture_output=True, text=True)
        assert user.stdout.strip() == "10001"
        refused = subprocess.run(["docker", "run", "--rm", tag], capture_output=True, text=True, timeout=120)
        assert refused.returncode == 2 and "mockguard cannot start" in refused.stderr
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True)
