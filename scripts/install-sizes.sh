#!/usr/bin/env bash
# Installed size of mockguard's core and of each extra: builds the wheel, installs it with pip into
# fresh virtual environments (pinned by requirements.lock) and prints `du -sh` of each
# site-packages, next to an empty environment's (pip and setuptools alone).
# Usage: bash scripts/install-sizes.sh [extra ...]   (default: core github app)
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
.venv/bin/python -m build --wheel --outdir "$work/dist" . >/dev/null
wheel="$(ls "$work"/dist/mockguard-*.whl)"
constraints="$work/constraints.txt"  # the lock's pins without hashes: pip checks hashes only for all or none
grep -E '^[A-Za-z]' requirements.lock | sed 's/ *\\$//' > "$constraints"
size() { du -sh "$1"/lib/python3*/site-packages | cut -f1; }
python3 -m venv "$work/empty"
echo "empty venv: $(size "$work/empty")"
for extra in "${@:-core github app}"; do
  for one in $extra; do
    spec="$wheel"; [ "$one" = core ] || spec="$wheel[$one]"
    python3 -m venv "$work/$one"
    "$work/$one/bin/python" -m pip install -q -c "$constraints" "$spec" 2>&1 | grep -v '^WARNING: Location' || true
    echo "$one: $(size "$work/$one")"
  done
done
