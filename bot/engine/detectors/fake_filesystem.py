"""MG206: pyfakefs, an in-memory imitation of the file system."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst
else:
    from ..lazy import libcst as cst  # loaded on first use

from .base import Draft, Invalid, Library, Rule, UseContext

PYFAKEFS = Library("pyfakefs", modules=("pyfakefs",), category="filesystem")
# pyfakefs's pytest fixtures: requesting one replaces the file system for the test (found by
# bot.engine.arrivals when no fixture of the repository has that name).
PYFAKEFS_FIXTURES = ("fs", "fs_class", "fs_module", "fs_session")
BUILDERS = {
    "pyfakefs.fake_filesystem_unittest.Patcher": "Patcher",
    "pyfakefs.fake_filesystem_unittest.patchfs": "patchfs",
    "pyfakefs.fake_filesystem.FakeFilesystem": "FakeFilesystem",
}


class FakeFilesystem(Rule):
    id = "MG206"
    name = "pyfakefs-in-integration-test"
    summary = "An integration test runs on pyfakefs's in-memory file system instead of real files"
    what_it_does = """
        Flags each new `Patcher()`, `@patchfs` and `FakeFilesystem()` of pyfakefs in an
        integration test, and each test that newly requests pyfakefs's `fs` fixture (or `fs_class`,
        `fs_module`, `fs_session`) when the repository defines no fixture of that name.
    """
    why_bad = """
        pyfakefs patches `os`, `open`, `pathlib` and `shutil` for the whole process: permissions,
        file locking, encodings, symlinks and anything written in C (a database driver, an image
        library) see a different file system than the code under test believes it uses.
    """
    example = """
        def test_export(fs):
            export_report("/reports/out.csv")
            assert fs.exists("/reports/out.csv")
    """
    use_instead = """
        Write real files under pytest's `tmp_path` and pass that directory to the code under test.
    """
    VALID = ("def test_x(tmp_path):\n    (tmp_path / 'out.csv').write_text('a,b')\n",)
    INVALID = (
        Invalid(
            "from pyfakefs.fake_filesystem_unittest import Patcher\n\ndef test_x():\n    with Patcher() as patcher:\n        pass\n",
            lines=(4,),
            construct="pyfakefs",
            category="filesystem",
        ),
        Invalid("def test_export(fs):\n    assert fs.exists('/reports')\n", lines=(1,), construct="fixture", category="filesystem"),
    )

    libraries = (PYFAKEFS,)
    trigger_words = frozenset({"Patcher", "patchfs", "FakeFilesystem", *PYFAKEFS_FIXTURES})

    def _draft(self, qualified: str) -> Draft | None:
        made = BUILDERS.get(qualified)
        if made is None:
            return None
        return Draft(construct="pyfakefs", library="pyfakefs", target=qualified, component="fake:filesystem")

    def on_call(self, qualified: str, call: cst.Call, ctx: UseContext) -> Draft | None:
        return self._draft(qualified)

    def on_reference(self, qualified: str, node: cst.BaseExpression, ctx: UseContext) -> Draft | None:
        return self._draft(qualified) if ctx.how in ("decorator", "with") else None
