#!/usr/bin/env python3
"""`mockguard check --format json` for `../shared/corpus/score.py`, with the two readings its README
asks for: `--merge-tolerated` adds the tolerated findings (environment patches, which the corpus
labels as sites) to the findings, for recall as the check shows it; `--family MG1` keeps one rule
family, for precision on the mock-library rules whose labels the corpus has (MG2xx/MG3xx came later).

    python3 ../shared/corpus/score.py --mirror M \\
        --tool '.venv/bin/python bench/corpus_tool.py --merge-tolerated --family MG1 --repo {mirror} --base {parent} --head {commit}'
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

MOCKGUARD = Path(sys.executable).parent / "mockguard"


def main(argv: list[str]) -> int:
    args = list(argv)
    merge = "--merge-tolerated" in args
    args = [a for a in args if a != "--merge-tolerated"]
    family = None
    if "--family" in args:
        at = args.index("--family")
        family = args[at + 1]
        del args[at : at + 2]
    done = subprocess.run([str(MOCKGUARD), "check", *args, "--format", "json"], capture_output=True, text=True)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(done.stderr)
        return done.returncode or 2
    if merge:
        report["findings"] = report["findings"] + report.get("tolerated", [])
    if family:
        report["findings"] = [f for f in report["findings"] if f["rule"].startswith(family)]
    print(json.dumps(report))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
