"""Which rules judge a change when the base branch's rules file does not load.

A broken rules file on the base branch must not fail every pull request forever, the one that fixes
it included; and a pull request must never be judged by its own copy (it could relax its own gate).
So the change is judged by the newest version of the file in the base branch's history that loads:
the team's last intended paths and tolerations. A commit of that history where the file did not
exist means the built-in defaults were what applied then, so they are used; so they are when no
version ever loaded. The caller says so loudly (never a plain pass): see `RulesChoice.headline`.

Pure: the caller reads the history (git, or GitHub's commits listing) and hands it over newest
first, lazily if it likes; reading stops at the first version that loads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from typing import TYPE_CHECKING

from ..model import Notice
from .defaults import ConfigAnswers, default_config
from .errors import RULES_FILE, ConfigError

if TYPE_CHECKING:
    from .loader import ReadFile


@dataclass(frozen=True)
class RulesVersion:
    """The rules file as it was at one commit of the base branch."""

    commit: str
    text: str | None  # None: there was no rules file at that commit
    read_file: ReadFile | None = None  # another file at the same commit (the templates it names)


@dataclass(frozen=True)
class RulesChoice:
    """The rules that judge the change, and why."""

    config: ConfigAnswers  # a validated `Config`, or the `DefaultConfig`
    broken: ConfigError | None = None  # the base's own copy did not load: its problems
    used: str | None = None  # with `broken`: the commit whose version judges; None: the built-in defaults
    absent_at: str | None = None  # with `broken` and no `used`: a commit where the file did not exist
    tried: int = 0  # older versions read before one was chosen

    def rules_used(self) -> str:
        """Which rules judged the change, in words."""
        source = self.config.source if self.used else RULES_FILE
        if self.used:
            return f"the last version of {source} that loads, from commit {self.used[:7]}"
        if self.absent_at:
            return f"the built-in defaults (there was no {source} at commit {self.absent_at[:7]})"
        return f"the built-in defaults (no earlier version of {source} loads)"

    def headline(self) -> str:
        """One line for a check run's title or a terminal: what is broken and which rules judged."""
        if self.broken is None:
            return ""
        first = self.broken.problems[0]
        more = len(self.broken.problems) - 1
        extra = f" (+{more} more problem{'s' if more > 1 else ''})" if more else ""
        return f"The base branch's rules file is broken: {first.where()}: {first.message}{extra}; " \
               f"checked with {self.rules_used()}"

    def explanation(self) -> str:
        """Every problem of the base's copy and what was done instead, for a summary or stderr."""
        if self.broken is None:
            return ""
        return (f"The base branch's {self.broken.source} does not load, so this change was checked with "
                f"{self.rules_used()}, never with the change's own copy. Fix these problems on the base "
                f"branch:\n{self.broken}")


    def notices(self) -> list[Notice]:
        """For a report: the headline, then each problem of the base's copy at its line."""
        if self.broken is None:
            return []
        first = self.broken.problems[0]
        return [Notice(first.source, self.headline(), line=first.line, level="warning"),
                *(Notice(p.source, f"the base branch's copy does not load: {p.message}", line=p.line, level="warning")
                  for p in self.broken.problems)]


def choose_rules(versions: Iterable[RulesVersion], source: str = RULES_FILE) -> RulesChoice:
    """The rules for a change, from the base branch's versions of the rules file, newest first.

    The first version is the base itself: when it loads (or there is no file), that is the answer.
    """
    history = iter(versions)
    newest = next(history, None)
    if newest is None or newest.text is None:
        return RulesChoice(default_config())
    from .loader import load_config  # a rules file to read: the loader, pydantic and the schema

    try:
        return RulesChoice(load_config(newest.text, source, read_file=newest.read_file))
    except ConfigError as error:
        broken = error
    tried = 0
    for version in history:
        tried += 1
        if version.text is None:
            return RulesChoice(default_config(), broken, absent_at=version.commit, tried=tried)
        try:
            config = load_config(version.text, source, read_file=version.read_file)
        except ConfigError:
            continue
        return RulesChoice(config, broken, used=version.commit, tried=tried)
    return RulesChoice(default_config(), broken, tried=tried)
