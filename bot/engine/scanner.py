"""A scanner process started before the change is read, so that importing libcst costs no wait.

libcst takes about 0.13 s to import: as long as reading a big change with git, and half of what a
change whose files the first looks settle costs in all (a marker added to every test file, one of
them with a new mock). The command line forks this process first thing; it imports libcst and
the mock-library scan while the main process reads the change and runs the first looks (which
need no libcst, bot/engine/first_pass.py), then scans the few files those could not settle.

Plain `os.fork` and two pipes, not `multiprocessing`: the process must start before anything else
of the run, for a few milliseconds. It forks only from a single-threaded process (a fork copies
no other thread, and a lock one of them held would stay locked in the child), and only on a
machine with a second core to run it. A scanner that is gone (killed, out of memory) loses
nothing: `send` or `receive` raises `ScannerGone` and the caller scans in its own process.
"""

from __future__ import annotations

import atexit
import gc
import os
import pickle
import signal
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from .analyse import FileNovelty
    from .model import FileChange

# The files to scan, each with what the project's modules re-export (as `find_new_sites` takes them).
Work = Sequence[tuple["FileChange", Mapping[tuple[str, str], str]]]


_early: ScanProcess | None = None  # forked by the console script before `check` was even imported


def start_early() -> None:
    """Fork the scanner now, first thing in the process (bot/entry.py), for `check` to take: libcst's
    import in it then runs beside the command's own imports. Closed at exit if nobody takes it."""
    global _early
    if _early is None and (started := ScanProcess.start()) is not None:
        _early = started
        atexit.register(started.close)  # (`check --help`, a usage error: nothing asked for it)


def take_early() -> ScanProcess | None:
    """The scanner `start_early` forked, once (None when there is none)."""
    global _early
    taken, _early = _early, None
    return taken


class ScannerGone(Exception):
    """The scanner process ended or broke before answering: scan in this process instead."""


class ScanProcess:
    """The forked scanner: `send` hands it files, `receive` gives their `FileNovelty`s, `close` ends it."""

    def __init__(self, pid: int, requests: BinaryIO, answers: BinaryIO) -> None:
        self.pid = pid
        self._requests = requests
        self._answers = answers
        self._closed = False

    @classmethod
    def start(cls) -> ScanProcess | None:
        """Fork the scanner, or None where that does not pay or is not safe: no `fork` (Windows),
        a single core, or a process that already runs other threads."""
        if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2 or threading.active_count() > 1:
            return None
        child_reads, parent_writes = os.pipe()  # (os.pipe gives the reading end first)
        parent_reads, child_writes = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # (a process limit): scan in this process
            for fd in (child_reads, parent_writes, parent_reads, child_writes):
                os.close(fd)
            return None
        if pid == 0:  # the scanner
            os.close(parent_writes)
            os.close(parent_reads)
            _serve(child_reads, child_writes)  # never returns
        os.close(child_reads)
        os.close(child_writes)
        return cls(pid, os.fdopen(parent_writes, "wb"), os.fdopen(parent_reads, "rb"))

    def send(self, work: Work, *, count_debt: bool) -> None:
        """Ask for `find_new_sites(change, reexported, count_debt=..., check_syntax=False)` of each
        file (the head's syntax check is left to the caller, which parses the head anyway)."""
        if self._closed:
            raise ScannerGone("the scanner was closed")
        try:
            pickle.dump((list(work), count_debt), self._requests, protocol=pickle.HIGHEST_PROTOCOL)
            self._requests.flush()
        except OSError as error:
            self.close()
            raise ScannerGone(f"the scanner process ended: {error!r}") from error

    def receive(self) -> list[FileNovelty]:
        """The answer to the last `send`, in its order."""
        try:
            kind, value = pickle.load(self._answers)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError) as error:
            self.close()
            raise ScannerGone(f"the scanner process ended: {error!r}") from error
        if kind == "error":
            self.close()
            raise ScannerGone(f"the scanner failed: {value}")
        return list(value)

    def close(self) -> None:
        """End the scanner (it may still be importing: it is not waited for) and reap it."""
        if self._closed:
            return
        self._closed = True
        for stream in (self._requests, self._answers):
            try:
                stream.close()
            except OSError:
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass

    def __enter__(self) -> ScanProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _serve(requests_fd: int, answers_fd: int) -> None:
    """The scanner's life: import the scan, then answer requests until the parent closes the pipe."""
    status = 0
    try:
        # Ctrl-C reaches the whole process group: the parent handles it and closes this process.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        from . import analyse, sites  # noqa: F401  (libcst: the import this process is for)
        import libcst

        gc.set_threshold(*analyse.ANALYSIS_GC_THRESHOLDS)
        libcst.parse_module("x = 1\n")  # the native parser's first call, too
        with os.fdopen(requests_fd, "rb") as requests, os.fdopen(answers_fd, "wb") as answers:
            while True:
                try:
                    work, count_debt = pickle.load(requests)
                except EOFError:
                    break
                try:
                    answer: tuple[str, object] = ("done", [
                        analyse.find_new_sites(change, reexported, count_debt=count_debt, check_syntax=False)
                        for change, reexported in work
                    ])
                except Exception as error:  # said to the parent, which scans again itself
                    answer = ("error", f"{type(error).__name__}: {error}")
                pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
                answers.flush()
    except BaseException:  # the parent sees the pipe close and scans itself
        status = 1
    finally:
        os._exit(status)  # (no exit handlers, no flush of buffers copied from the parent)
