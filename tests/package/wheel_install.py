"""Build mockguard's wheel and sdist and install the wheel into clean virtual environments.

Used by tests/package: what a user gets from `pip install mockguard-*.whl[extra]`, not the editable
install the rest of the suite runs from, so a missing data file, template or dependency fails here.
Installs are pinned by requirements.lock in hash-checking mode (uv reads hashes from constraints),
with the wheel's own hash computed here.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UV = [sys.executable, "-m", "uv"]


@dataclass
class Dist:
    wheel: Path
    sdist: Path


@dataclass
class Venv:
    path: Path

    @property
    def bin(self) -> Path:
        return self.path / "bin"

    def run(self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run one of the environment's commands with only its own bin/ and the system's on PATH."""
        environment = {key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "PYTHON"))}
        environment["PATH"] = f"{self.bin}:/usr/local/bin:/usr/bin:/bin"
        environment.update(env or {})
        program = self.bin / args[0]
        command = [str(program) if program.exists() else args[0], *args[1:]]
        return subprocess.run(command, cwd=cwd, env=environment, text=True,
                              capture_output=True, timeout=timeout)


def build(out: Path) -> Dist:
    """`uv build`: the sdist first, then the wheel built from that sdist (so the sdist must be complete)."""
    subprocess.run([*UV, "build", "--quiet", "--out-dir", str(out), str(ROOT)], check=True, capture_output=True,
                   text=True, timeout=300)
    (wheel,) = out.glob("mockguard-*.whl")
    (sdist,) = out.glob("mockguard-*.tar.gz")
    return Dist(wheel, sdist)


def install(wheel: Path, where: Path, extras: str = "") -> Venv:
    """A fresh virtual environment (no pip, nothing else) with the wheel and `extras` from the lock."""
    subprocess.run([*UV, "venv", "--quiet", "--python", sys.executable, str(where)], check=True,
                   capture_output=True, text=True, timeout=120)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    requirement = f"mockguard{f'[{extras}]' if extras else ''} @ {wheel.as_uri()} --hash=sha256:{digest}\n"
    requirements = where / "requirements.txt"
    requirements.write_text(requirement)
    subprocess.run([*UV, "pip", "install", "--quiet", "--python", str(where / "bin" / "python"), "--require-hashes",
                    "-r", str(requirements), "-c", str(ROOT / "requirements.lock")], check=True,
                   capture_output=True, text=True, timeout=600)
    return Venv(where)
