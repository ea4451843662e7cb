"""`mockguard audit`: read a revision's gated test files with git, take the inventory, print it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.commands import RULES_FILE, fail, tool_version
from bot.engine.rulesfile import ConfigAnswers, ConfigError, default_config, load_config
from bot.engine.rules import RULES
from bot.gitrepo import GitError, git

from .compare import compare
from .inventory import take_inventory
from .reports import FORMATS, comparison_document, render, render_comparison

MAX_BYTES = 2_000_000


def read_tree(repo: Path, ref: str | None, paths: tuple[str, ...]) -> dict[str, str]:
    """Every Python file at `ref` (the working tree when None) under `paths`, path -> text.

    At a revision one `git ls-tree` and one `git cat-file --batch` read everything; the working
    tree is what `git ls-files` lists (tracked and untracked, ignored files left out)."""
    if ref is None:
        listed = git(repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *paths)
        names = [n for n in listed.decode("utf-8", "surrogateescape").split("\0") if n.endswith(".py")]
        files = {}
        for name in dict.fromkeys(names):
            try:
                data = (repo / name).read_bytes()
            except OSError:
                continue  # deleted in the working tree but still in the index
            if len(data) <= MAX_BYTES:
                files[name] = data.decode("utf-8", "replace")
        return files
    listed = git(repo, "ls-tree", "-r", "-z", "--full-tree", ref, "--", *paths)
    entries = []
    for record in listed.decode("utf-8", "surrogateescape").split("\0"):
        if not record:
            continue
        meta, _, name = record.partition("\t")
        kind, obj = meta.split()[1:3]
        if kind == "blob" and name.endswith(".py"):
            entries.append((name, obj))
    if not entries:
        return {}
    out = git(repo, "cat-file", "--batch", input="".join(f"{obj}\n" for _, obj in entries).encode())
    files, position = {}, 0
    for name, _obj in entries:
        header_end = out.index(b"\n", position)
        header = out[position:header_end].split()
        position = header_end + 1
        if len(header) < 3 or header[-1] == b"missing":
            continue
        size = int(header[2])
        if size <= MAX_BYTES:
            files[name] = out[position : position + size].decode("utf-8", "replace")
        position += size + 1
    return files


def _commit(repo: Path, ref: str) -> str:
    out = git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).strip()
    if not out:
        raise GitError(f"unknown revision {ref!r} in {repo}")
    return out.decode()


def _read_file(repo: Path, ref: str | None, path: str) -> str | None:
    if ref is None:
        file = repo / path
        return file.read_text(encoding="utf-8") if file.is_file() else None
    done = git(repo, "show", f"{ref}:{path}", check=False)
    return done.decode("utf-8", "replace") if done else None


def _inventory(repo: Path, ref: str | None, config_file: Path | None, paths: tuple[str, ...], workers: int | None):
    config: ConfigAnswers
    if config_file is not None:
        config = load_config(config_file.read_text(encoding="utf-8"), str(config_file),
                             read_file=lambda p: _read_file(repo, ref, p))
    else:
        text = _read_file(repo, ref, RULES_FILE)
        config = load_config(text, RULES_FILE, read_file=lambda p: _read_file(repo, ref, p)) if text is not None else default_config()
    files = read_tree(repo, ref, paths)
    template_files = {p: t for p in config.template_files() if (t := _read_file(repo, ref, p)) is not None}
    return take_inventory(files, config, template_files=template_files, workers=workers)


@click.command()
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True)
@click.option("--ref", help="Audit this revision. Default: the working tree.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help=f"Rules file to use instead of {RULES_FILE} at the audited revision.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here instead of standard output.")
@click.option("--compare", "compare_ref", help="Print what changed since this revision (sites added, removed, moved).")
@click.option("--workers", type=int, default=None, help="Processes for big suites (default: up to 2).")
@click.argument("paths", nargs=-1)
def audit(repo: Path, ref: str | None, config_file: Path | None, fmt: str, output: Path | None, compare_ref: str | None, workers: int | None, paths: tuple[str, ...]) -> None:
    """List every mock already in the integration suite, grouped by file and test.

    Exit status: 0 when the report was written (whatever it found), 2 on a usage, git or
    rules-file error.
    """
    try:
        if ref is not None:
            ref = _commit(repo, ref)
        inventory = _inventory(repo, ref, config_file, paths, workers)
        label = ref[:12] if ref else "working tree"
        if compare_ref is not None:
            old_ref = _commit(repo, compare_ref)
            old = _inventory(repo, old_ref, config_file, paths, workers)
            comparison = compare(old, inventory)
            if fmt == "json":
                import json

                text = json.dumps(comparison_document(comparison, old_ref[:12], label), indent=2)
            else:
                text = render_comparison(comparison, old_ref[:12], label)
        else:
            text = render(inventory, fmt, rules=RULES, tool_version=tool_version(), revision=label)
    except GitError as error:
        fail(str(error))
    except ConfigError as error:
        fail(f"invalid rules file\n{error}")
    except OSError as error:
        fail(f"cannot read {error.filename}: {error.strerror}")
    if output is not None:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    else:
        click.echo(text.rstrip("\n"))
    sys.exit(0)
