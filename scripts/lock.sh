#!/usr/bin/env bash
# Regenerates requirements.lock: every dependency of every extra (core, github, app, sandbox, demo,
# test) pinned with the sha256 of each file the index serves for that version, by uv (installed from
# PyPI into .venv at the version below when absent). Run it after changing pyproject.toml's
# dependencies, then commit both files; tests/package/test_lock.py fails while they disagree.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip show uv 2>/dev/null | grep -qx "Version: $UV_VERSION" || .venv/bin/python -m pip install -q "uv==$UV_VERSION"
# --universal: one file for every platform (markers say where a pin applies), so the Linux image and
# a contributor's Mac install the same versions; --python-version: the oldest Python we support.
.venv/bin/uv pip compile pyproject.toml --all-extras --generate-hashes --universal --python-version 3.11 \
  --no-emit-package mockguard --custom-compile-command "bash scripts/lock.sh" -o requirements.lock "$@"
# The image installs only the App: its own lock, resolved within requirements.lock (same versions,
# same hashes), so any pip installs it in hash-checking mode without hashes in a constraints file.
.venv/bin/uv pip compile pyproject.toml --extra app --generate-hashes --universal --python-version 3.11 \
  --no-emit-package mockguard --custom-compile-command "bash scripts/lock.sh" -c requirements.lock \
  -o requirements-app.lock "$@"
