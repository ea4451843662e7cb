#!/usr/bin/env bash
# Builds a throwaway git repository from examples/sample-change (a "base" and a "head" commit)
# and runs `mockguard check` on it. Exit status is mockguard's: 1 means it found new mocks.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mockguard="${MOCKGUARD:-$here/../.venv/bin/mockguard}"
repo="$(mktemp -d)"
trap 'rm -rf "$repo"' EXIT
git -C "$repo" init -q -b main
git -C "$repo" config user.email sample@example.invalid
git -C "$repo" config user.name sample
cp -R "$here/sample-change/base/." "$repo/"
git -C "$repo" add -A && git -C "$repo" commit -qm base && git -C "$repo" tag base
git -C "$repo" rm -rq . && cp -R "$here/sample-change/head/." "$repo/"
git -C "$repo" add -A && git -C "$repo" commit -qm head && git -C "$repo" tag head
echo "\$ mockguard check --base base --head head   (in a sample repository)"
"$mockguard" check --repo "$repo" --base base --head head "$@"
