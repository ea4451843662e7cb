#!/usr/bin/env bash
# One-time set-up on a fresh machine with Python 3.11+ and git: system services the tests use
# (redis-server, and headless Chromium for the demo page's browser test) and the project's virtual
# environment with mockguard, every extra and the test tools, at the versions and hashes pinned in
# requirements.lock (what CI tests is what the image ships).
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install ${need_apt[*]} (tests that need it will be skipped)" >&2
  fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# Hash-checking mode: every file must match requirements.lock; mockguard itself goes in editable,
# without resolving again (everything it needs is in the lock).
.venv/bin/python -m pip install -q --require-hashes -r requirements.lock
.venv/bin/python -m pip install -q --no-deps -e .
# mockguard's own bytecode, as a wheel install writes it: an editable install under
# PYTHONDONTWRITEBYTECODE=1 would compile every module on every run (about 0.07 s of each check).
.venv/bin/python -m compileall -q bot >/dev/null
