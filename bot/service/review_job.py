"""One review job: a pull request's head commit in, a completed check run and comments out.

The job reads what it already posted (by hidden markers) before it writes anything, so running it
again, after a crash, a retry or a redelivery, posts nothing twice. Whatever goes wrong, the check
run is completed with an explanation: never left in_progress.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import quote
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from bot.engine import Finding, Report
from bot.engine.analyse import analyse
from bot.engine.rulesfile import RULES_FILE, ConfigError, RulesChoice, RulesVersion, choose_rules, load_config
from bot.engine.formats.fingerprints import fingerprints
from bot.github.gitfetch import GitFetchError, fetch
from bot.gitrepo import GitError
from bot.github import (
    Comment,
    InlineComment,
    InstallationClient,
    PullRequest,
    RateLimitTooLong,
    Unprocessable,
    transient,
)

from . import render
from .changes import (
    GitPull,
    Missing,
    PullChanges,
    changed_files,
    fetch_pull,
    read_changes,
    read_with_git,
)
from .logs import for_delivery
from .markers import fingerprints_in, is_summary
from .metrics import Metrics
from .repo_cache import CachedRepo
from .settings import Settings
from .store import Job, Store, unavailable

log = logging.getLogger("mockguard.job")

ANNOTATION_BATCH = 50  # GitHub takes at most 50 annotations per request


class Superseded(Exception):
    """The pull request's head moved on; the newer head has its own job."""


@dataclass
class Outcome:
    conclusion: str
    title: str


def worth_retrying(error: BaseException) -> bool:
    return transient(error) or unavailable(error)


class Installations(Protocol):
    """Where the job gets an installation's client: the App (`GitHubApp`), or for `mockguard review`
    a token's client that falls back where the token may not write (bot/review.py)."""

    def installation(self, installation_id: int) -> InstallationClient: ...


class Clones(Protocol):
    """Where the job reads a repository with git: the App's clone cache (`RepoCache`), or for
    `mockguard review` the workflow's own checkout."""

    def repository(self, full_name: str, clone_url: str) -> AbstractContextManager[CachedRepo]: ...


# (installation id, repo, number, head sha, delivery id): queue a review of another head; what it
# answers (whether a review was queued) does not matter to the job.
RequestReview = Callable[[int, str, int, str, "str | None"], object]


class ReviewJob:
    def __init__(self, settings: Settings, github: Installations, store: Store, metrics: Metrics,
                 requeue: Callable[[str, float], None], request_review: RequestReview,
                 repo_cache: Clones | None = None):
        self.settings = settings
        self.repo_cache = repo_cache  # None: read pull requests through the REST API only
        self.github = github
        self.store = store
        self.metrics = metrics
        self.requeue = requeue  # (key, delay): try the job again later
        self.request_review = request_review  # queue a review of another head

    def __call__(self, key: str, owner: str) -> None:
        job = self.store.claim(key, owner)
        if job is None:  # done, or another worker has it: nothing to do twice
            return
        with for_delivery(job.delivery):
            self.metrics.jobs_running.inc()
            try:
                self._attempt(job, owner)
            finally:
                self.metrics.jobs_running.dec()

    def _attempt(self, job: Job, owner: str) -> None:
        inst = self.github.installation(job.installation_id)
        log.info("job started", extra={"job": job.key, "attempt": job.attempts})
        check_run_id = job.check_run_id
        try:
            if check_run_id is None:
                check_run_id = self._start_check(inst, job)
                self.store.set_check_run(job.key, check_run_id)
            outcome = self._review(inst, job, check_run_id)
        except Superseded as moved:
            self._complete_quietly(inst, job, check_run_id, "neutral", "Superseded by a newer commit", str(moved))
            self._finish(job, owner, "done", "neutral")
            self.metrics.jobs_done.labels(conclusion="superseded").inc()
            return
        except Exception as error:  # noqa: BLE001 - every failure must end in a completed check
            self.metrics.jobs_failed.inc()
            if worth_retrying(error) and job.attempts < self.settings.job_attempts:
                delay = min(60.0, self.settings.job_retry_delay * 2 ** (job.attempts - 1))
                if isinstance(error, RateLimitTooLong):  # come back when the limit has reset
                    delay = max(delay, error.wait + 1)
                log.warning("job failed, will retry", extra={"job": job.key, "error": str(error), "delay": delay})
                self.store.release(job.key, owner, str(error), delay)
                self.requeue(job.key, delay)
                return
            log.exception("job failed", extra={"job": job.key})
            self._complete_quietly(
                inst, job, check_run_id, "neutral", "mockguard could not finish this check",
                "mockguard could not analyse this pull request, so this check neither passes nor blocks it.\n\n"
                f"Reason: `{type(error).__name__}: {_short(error)}`\n\n"
                "Re-run the check to try again.")
            self._finish(job, owner, "failed", "neutral", str(error))
            self.metrics.jobs_done.labels(conclusion="error").inc()
            return
        self._finish(job, owner, "done", outcome.conclusion)
        self.metrics.jobs_done.labels(conclusion=outcome.conclusion).inc()
        self.metrics.delivery_to_check.observe(max(0.0, time.time() - job.received_at))
        log.info("job done", extra={"job": job.key, "conclusion": outcome.conclusion, "title": outcome.title})

    def _finish(self, job: Job, owner: str, state: str, conclusion: str, error: str | None = None) -> None:
        if self.store.finish(job.key, owner, state, conclusion, error):
            self.requeue(job.key, 0)

    # -- the check run ------------------------------------------------------------------------
    def _start_check(self, inst: InstallationClient, job: Job) -> int:
        # A run this App left in progress for the head (a job killed between creating it and
        # recording it) is taken over rather than left hanging beside a new one.
        for run in inst.check_runs(job.repo, job.head_sha, self.settings.check_name):
            if run.status != "completed" and run.app_id in (None, self.settings.app_id):
                return run.id
        return inst.create_check_run(
            job.repo, name=self.settings.check_name, head_sha=job.head_sha, status="in_progress",
            external_id=job.key,
            output={"title": "Looking for new mocks", "summary": "mockguard is reading the pull request."})

    def _complete_quietly(self, inst: InstallationClient, job: Job, check_run_id: int | None, conclusion: str,
                          title: str, summary: str) -> None:
        """Complete the check with an explanation; if even that fails, log it (the reconciler retries)."""
        output = {"title": title, "summary": summary}
        try:
            if check_run_id is None:
                inst.create_check_run(job.repo, name=self.settings.check_name, head_sha=job.head_sha,
                                      status="completed", conclusion=conclusion, external_id=job.key, output=output)
            else:
                inst.update_check_run(job.repo, check_run_id, conclusion=conclusion, output=output)
        except Exception:  # noqa: BLE001
            log.exception("could not complete the check run", extra={"job": job.key})

    def _complete(self, inst: InstallationClient, job: Job, check_run_id: int, conclusion: str, title: str,
                  summary: str, annotations: list[dict]) -> None:
        if annotations and job.attempts > 1:
            # An earlier attempt may have sent some batches before it failed: send only the rest.
            sent = inst.annotation_keys(job.repo, check_run_id)
            annotations = [a for a in annotations if _annotation_key(a) not in sent]
        batches = [annotations[i:i + ANNOTATION_BATCH] for i in range(0, len(annotations), ANNOTATION_BATCH)] or [[]]
        # Annotations append on each update; all but the last batch go first, the last one
        # completes the run, so a run is never "completed" with half its annotations.
        for batch in batches[:-1]:
            inst.update_check_run(job.repo, check_run_id,
                                  output={"title": title, "summary": summary, "annotations": batch})
        inst.update_check_run(job.repo, check_run_id, conclusion=conclusion,
                              output={"title": title, "summary": summary, "annotations": batches[-1]})

    # -- the review --------------------------------------------------------------------------
    def _review(self, inst: InstallationClient, job: Job, check_run_id: int) -> Outcome:
        pull = self._current_pull(inst, job)
        extra: list[str] = []
        read = self._read_with_git(inst, job, pull, extra)
        if read is None:
            read = self._read_with_rest(inst, job, pull, extra)
        changes, choice, fetched = read
        config = choice.config
        # One process per job: forking a pool out of a threaded server risks inheriting held locks.
        # Fixtures and helpers are followed into the head tree, each file fetched once, when needed.
        # The team's templates came with the config, read at the base branch's tip as the rules file.
        report = analyse(changes.changes, config, workers=1, tree=PullHeadTexts(inst, job, fetched))
        extra += changes.notes
        if changes.unanalysed:
            extra.append("**Not analysed:** " + ", ".join(f"`{p}`" for p in changes.unanalysed))

        self._current_pull(inst, job)  # a push during the analysis: comment on the new head, not this one
        new, resolved = self._post_comments(inst, job, report, changes, _line_links(pull, job.head_sha))
        summary = render.check_summary(report, extra)
        title = render.check_title(report)
        conclusion = render.conclusion(report)
        if changes.unanalysed and conclusion == "success":
            conclusion = "neutral"  # some files were not read: never a silent pass
            title += f" ({len(changes.unanalysed)} not analysed)"
        annotations = render.check_annotations(report)
        if choice.broken is not None:  # judged by older rules or the defaults: never a plain pass
            conclusion = "failure" if report.blocking else "neutral"
            title = choice.headline()[:1000]
            summary = f"**{choice.headline()}**\n\n```\n{choice.explanation()}\n```\n\n{summary}"[:render.SUMMARY_LIMIT]
            annotations += [{"path": p.source, "start_line": p.line or 1, "end_line": p.line or 1,
                             "annotation_level": "warning", "title": "The base branch's rules file does not load",
                             "message": str(p)} for p in choice.broken.problems]
        self._complete(inst, job, check_run_id, conclusion, title, summary, annotations)
        return Outcome(conclusion, title)

    def _read_with_git(self, inst: InstallationClient, job: Job, pull: PullRequest,
                       extra: list[str]) -> tuple[PullChanges, RulesChoice, GitPull | None] | None:
        """The change through the repository's cached clone; None (and a note) when git cannot fetch."""
        if self.repo_cache is None or not pull.clone_url:
            return None
        try:
            with self.repo_cache.repository(job.repo, pull.clone_url) as local:
                fetched = fetch_pull(local.path, inst.token(), pull)
                choice = _choose_rules(inst, job.repo, pull.base_sha, fetched.rules_at_base)
                changes = read_with_git(fetched, choice.config)
        except (GitFetchError, GitError, OSError) as error:
            log.warning("git could not read the pull request; reading it through the REST API",
                        extra={"job": job.key, "error": str(error)})
            extra.append(f"mockguard could not read this pull request with git (`{_short(error)}`), so it read "
                         "it through GitHub's REST API instead, fetching only the integration test files.")
            return None
        if fetched.rules_changed:
            extra.append(_rules_note(fetched.rules_at_head))
        return changes, choice, fetched

    def _read_with_rest(self, inst: InstallationClient, job: Job, pull: PullRequest,
                        extra: list[str]) -> tuple[PullChanges, RulesChoice, GitPull | None]:
        files, complete = changed_files(inst, job.repo, pull)
        # The rules file comes from the base: a pull request must not relax its own gate.
        choice = _choose_rules(inst, job.repo, pull.base_sha, inst.file_text(job.repo, RULES_FILE, pull.base_sha))
        config = choice.config
        if any(f.path == RULES_FILE for f in files):
            extra.append(_rules_note(inst.file_text(job.repo, RULES_FILE, job.head_sha)))
        changes = read_changes(inst, job.repo, pull, config, files, complete, parallel=self.settings.concurrency)
        return changes, choice, None

    def _current_pull(self, inst: InstallationClient, job: Job) -> PullRequest:
        """The pull request, if its head is still the job's; else the newer head is queued and this job
        completes its check as superseded, without a comment on an outdated commit."""
        pull = inst.pull(job.repo, job.number)
        head = pull.head_sha
        if head != job.head_sha:
            self.request_review(job.installation_id, job.repo, job.number, head, job.delivery)
            raise Superseded(f"A newer commit, {head[:7]}, is being checked: {job.head_sha[:7]} is no longer the "
                             "head of this pull request, so mockguard did not review it.")
        return pull

    def _post_comments(self, inst: InstallationClient, job: Job, report: Report, changes: PullChanges,
                       link: Callable[[str, int], str] | None = None) -> tuple[int, int]:
        """Comment on new findings, resolve comments whose mock is gone, keep the summary. -> (new, resolved)"""
        everything = [*report.findings, *report.suppressed, *report.tolerated]
        current = dict(zip(fingerprints(everything)[: len(report.findings)], report.findings))

        active: dict[str, Comment] = {}  # fingerprint -> our unresolved inline comment
        said: set[str] = set()  # fingerprints already reported inline or in a review body
        for comment in inst.review_comments(job.repo, job.number):
            for fp, was_resolved in fingerprints_in(comment.body):
                if not was_resolved:
                    active[fp] = comment
                    said.add(fp)
        for review in inst.reviews(job.repo, job.number):
            said.update(fp for fp, was_resolved in fingerprints_in(review.body) if not was_resolved)

        fresh = [(finding, fp) for fp, finding in current.items() if fp not in said]
        if fresh:
            self._post_review(inst, job, fresh, changes, link)

        resolved = 0
        for fp, comment in active.items():
            if fp in current or comment.path in changes.unanalysed:
                continue  # still there, or a file we could not read this time: keep the comment open
            inst.edit_review_comment(job.repo, comment.id, render.resolved_comment(comment.body, fp, job.head_sha))
            resolved += 1

        summaries = [c for c in inst.issue_comments(job.repo, job.number) if is_summary(c.body)]
        if report.findings or summaries:
            body = render.summary_comment(report, job.head_sha, len(fresh), resolved)
            if summaries:
                if summaries[0].body != body:
                    inst.edit_issue_comment(job.repo, summaries[0].id, body)
            else:
                inst.create_issue_comment(job.repo, job.number, body)
        return len(fresh), resolved

    def _post_review(self, inst: InstallationClient, job: Job, fresh: list[tuple[Finding, str]],
                     changes: PullChanges, link: Callable[[str, int], str] | None = None) -> None:
        """ONE review (event COMMENT). Lines outside the diff go in the body; a 422 retries with
        only the surest lines inline, then with everything in the body: no finding is lost."""
        added = {c.path: c.added_lines for c in changes.changes}

        def attempt(inline_ok: Callable[[Finding], bool]) -> None:
            inline = [(f, fp) for f, fp in fresh if inline_ok(f)]
            outside = [(f, fp) for f, fp in fresh if not inline_ok(f)]
            comments = [InlineComment(f.path, f.line, render.finding_comment(f, fp, link)) for f, fp in inline]
            inst.create_review(job.repo, job.number, commit_id=job.head_sha,
                               body=render.review_body(job.head_sha, len(inline), outside), comments=comments)

        tries: list[Callable[[Finding], bool]] = [
            lambda f: f.line in changes.commentable.get(f.path, frozenset()),
            lambda f: f.line in added.get(f.path, frozenset()) and f.line in changes.commentable.get(f.path, frozenset()),
            lambda f: False,
        ]
        for number, inline_ok in enumerate(tries):
            try:
                attempt(inline_ok)
                return
            except Unprocessable as error:
                log.warning("review refused, retrying with fewer inline comments",
                            extra={"job": job.key, "try": number + 1, "error": str(error), "errors": error.errors})
                if number == len(tries) - 1:
                    raise


def _annotation_key(annotation: dict) -> tuple[str | None, int | None, str | None]:
    return (annotation.get("path"), annotation.get("start_line"), annotation.get("message"))


def _short(error: BaseException) -> str:
    text = str(error).replace("`", "'")
    return text if len(text) < 500 else text[:500] + "…"


def _choose_rules(inst: InstallationClient, repo: str, base_sha: str, text: str | None) -> RulesChoice:
    """The rules that judge the change: the base branch's copy (a pull request must not relax its
    own gate), or when it does not load, its newest earlier version that does (or the defaults)."""
    def reader(at: str) -> Callable[[str], str | None]:
        return lambda path: inst.file_text(repo, path, at)

    def versions() -> Iterator[RulesVersion]:
        yield RulesVersion(base_sha, text, reader(base_sha))
        for commit in inst.commits_touching(repo, RULES_FILE, base_sha):
            yield RulesVersion(commit, inst.file_text(repo, RULES_FILE, commit), reader(commit))

    return choose_rules(versions())


def _rules_note(text_at_head: str | None) -> str:
    """What the check says about a pull request that changes the rules file itself."""
    if text_at_head is None:
        return f"This pull request deletes `{RULES_FILE}`; the base branch's copy applies until it merges."
    try:
        load_config(text_at_head, RULES_FILE)
    except ConfigError as error:
        return (f"**This pull request's `{RULES_FILE}` is broken** and would break mockguard once merged:\n\n"
                f"```\n{error}\n```")
    return (f"This pull request changes `{RULES_FILE}`. It was validated and is fine; it takes effect once "
            "merged (this check used the base branch's copy).")


def _line_links(pull: PullRequest, head_sha: str) -> Callable[[str, int], str] | None:
    """Links to lines of the head (a fixture's definition, the line that builds its mock), pinned
    to the commit reviewed so that they still point at the right line after later pushes."""
    if not pull.html_url:
        return None
    return lambda path, line: f"{pull.html_url}/blob/{head_sha}/{quote(path)}#L{line}"


class PullHeadTexts:
    """The head tree as the engine reads it (path -> text, None when absent), each path read once per
    job: from the clone when git read the pull request (absent files known from its trees, a helper
    module's blob fetched over git), else, or when the clone cannot tell, from GitHub's REST API."""

    def __init__(self, inst: InstallationClient, job: Job, fetched: GitPull | None) -> None:
        self._inst, self._job, self._fetched = inst, job, fetched
        self._read: dict[str, str | None] = {}

    def __call__(self, path: str) -> str | None:
        if path not in self._read:
            self._read[path] = self._text(path)
        return self._read[path]

    def _text(self, path: str) -> str | None:
        fetched = self._fetched
        if fetched is not None:
            text = fetched.head_text(path, lambda oid: fetch(fetched.path, self._inst.token(), [oid], blobs=True))
            if not isinstance(text, Missing):
                return text
        return self._inst.file_text(self._job.repo, path, self._job.head_sha)
