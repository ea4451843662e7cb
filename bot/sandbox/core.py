"""The sandbox object that routes share, and the request helpers they use.

`Sandbox` holds the configuration, the git repository, the state and the faults. Routes get it from
`request.app.state.sandbox` and go through `Sandbox.context(...)`, which authenticates the request,
hides other repositories behind 404 as GitHub does, and checks the token's permissions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Sequence
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from . import auth, errors
from .config import PullSpec, SandboxSettings
from .faults import FaultSet
from .gitdata import SHA_RE, FileDiff, GitRepo
from .githttp import ServedCopy
from .limits import SecondaryLimiter
from .shapes import Renderer
from .state import Pull, Review, SandboxState, now_iso


class GitHubJSON(JSONResponse):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class Context:
    sandbox: Sandbox
    request: Request
    identity: auth.Identity
    render: Renderer


class Sandbox:
    def __init__(self, cfg: SandboxSettings, git: GitRepo | None = None) -> None:
        self.cfg = cfg
        self.git = git or GitRepo(cfg.repo)
        self.state = SandboxState()
        self.faults = FaultSet()
        self.limiter = SecondaryLimiter(cfg.limits)
        self.served = ServedCopy(self.git.path, "repo.git")  # what git clients fetch from; see githttp.py
        if not cfg.default_branch:
            branches = self.git.branches()
            cfg.default_branch = next((b for b in ("main", "master") if b in branches), None) \
                or self.git.head_branch() or "main"
        for spec in cfg.pulls:
            self.add_pull(spec)

    def close(self) -> None:
        """Remove what the sandbox made on disk (the bare copy git clients fetch from)."""
        self.served.close()

    # -- pull requests ------------------------------------------------------------------------

    def add_pull(self, spec: PullSpec) -> Pull:
        base_sha = self.git.resolve(spec.base)
        head_sha = self.git.resolve(spec.head)
        if base_sha is None:
            raise ValueError(f"--base {spec.base!r} is not a commit of {self.cfg.repo}")
        if head_sha is None:
            raise ValueError(f"--head {spec.head!r} is not a commit of {self.cfg.repo}")
        branches = self.git.branches()
        default = self.cfg.default_branch or "main"
        if spec.base in branches:
            base_ref = spec.base
        elif branches.get(default) == base_sha:
            base_ref = default
        else:
            base_ref = next((n for n, s in sorted(branches.items()) if s == base_sha), default)
        if spec.head in branches and spec.head != base_ref:
            head_ref = spec.head
        else:
            head_ref = next(
                (n for n, s in sorted(branches.items()) if s == head_sha and n != base_ref),
                f"sandbox/pr-{spec.number}",
            )
        # Titled after the pull request's first commit, as GitHub suggests when one is opened.
        merge_base = self.git.merge_base(base_sha, head_sha) or base_sha
        first = next(iter(self.git.rev_list(merge_base, head_sha)), head_sha)
        subject, _, rest = self.git.commit(first).message.partition("\n")
        stamp = now_iso()
        pull = Pull(
            number=spec.number,
            base_sha=base_sha,
            head_sha=head_sha,
            base_ref=base_ref,
            head_ref=head_ref,
            title=spec.title or subject or f"Pull request {spec.number}",
            body=spec.body if spec.body is not None else rest.strip(),
            author=self.cfg.pr_author or self.cfg.owner,
            created_at=stamp,
            updated_at=stamp,
            id=self.state.next_id("pull"),
        )
        with self.state.lock:
            self.state.pulls[spec.number] = pull
        return pull

    def pull_files(self, pull: Pull, head_sha: str | None = None) -> tuple[str, list[FileDiff]]:
        """(merge base, files) of the pull request as GitHub lists them (three-dot diff)."""
        head = head_sha or pull.head_sha
        base = self.git.merge_base(pull.base_sha, head) or pull.base_sha
        return base, self.git.diff(base, head)

    def resolve_ref(self, ref: str) -> str | None:
        """A commit sha for a ref as GitHub sees it: the pull requests' branches first, then git."""
        if ref.startswith("refs/heads/"):
            ref = ref[len("refs/heads/") :]
        with self.state.lock:
            for pull in self.state.pulls.values():
                if ref == pull.head_ref:
                    return pull.head_sha
        if SHA_RE.match(ref):
            return ref if self.git.object_type(ref) == "commit" else None
        return self.git.resolve(ref)

    def head_branch_of(self, sha: str) -> str | None:
        with self.state.lock:
            for pull in self.state.pulls.values():
                if pull.head_sha == sha:
                    return pull.head_ref
        for name, tip in self.git.branches().items():
            if tip == sha:
                return name
        return None

    # -- requests -----------------------------------------------------------------------------

    def renderer(self, request: Request | None = None, actor: str | None = None) -> Renderer:
        base = self.cfg.api_url
        if request is not None:
            host = request.headers.get("host")
            if host:
                base = f"{request.url.scheme}://{host}"
        return Renderer(self.cfg, self.state, self.git, base or "http://127.0.0.1", actor)

    def identify(self, request: Request) -> auth.Identity:
        return auth.authenticate(request.headers.get("authorization"), self.cfg, self.state)

    def app_context(self, request: Request) -> Context:
        identity = self.identify(request)
        auth.require_app(identity)
        return Context(self, request, identity, self.renderer(request))

    def repo_matches(self, owner: str, repo: str) -> bool:
        return owner.lower() == self.cfg.owner.lower() and repo.lower() == self.cfg.name.lower()

    def context(self, request: Request, owner: str, repo: str, *perms: tuple[str, str]) -> Context:
        """An installation request on this repository, holding one of `perms` (if any)."""
        identity = self.identify(request)
        if identity.kind == "anonymous":
            raise errors.not_found()  # a private repository looks absent without credentials
        if not self.repo_matches(owner, repo):
            raise errors.not_found()
        if identity.kind == "app":
            # UNCONFIRMED: the App's JWT only reaches /app endpoints and the installation lookup.
            raise errors.not_accessible("; ".join(f"{r}={lvl}" for r, lvl in perms) or "metadata=read")
        if identity.installation_id != self.cfg.installation_id:
            raise errors.not_found()
        token = identity.token
        if token is not None and token.repository_names is not None:
            if self.cfg.name.lower() not in (n.lower() for n in token.repository_names):
                raise errors.not_found()
        if perms:
            auth.require_permission(identity, *perms)
        return Context(self, request, identity, self.renderer(request, token.actor if token else None))

    def stored_or_404(self, table: str, key: int) -> Any:
        """One stored object (a check run, a comment, ...) by id, or GitHub's 404."""
        with self.state.lock:
            found = getattr(self.state, table).get(key)
        if found is None:
            raise errors.not_found()
        return found

    def review_or_404(self, pull_number: int, review_id: int) -> Review:
        review: Review = self.stored_or_404("reviews", review_id)
        if review.pull_number != pull_number:
            raise errors.not_found()
        return review

    def move_pull(self, pull: Pull, *, head: str | None = None, base: str | None = None) -> str:
        """Point the pull request at new commits (a push to its branch); returns the previous head."""
        previous = pull.head_sha
        new_head = self.git.resolve(head) if head is not None else pull.head_sha
        new_base = self.git.resolve(base) if base is not None else pull.base_sha
        if new_head is None:
            raise ValueError(f"head {head!r} is not a commit of the repository")
        if new_base is None:
            raise ValueError(f"base {base!r} is not a commit of the repository")
        with self.state.lock:
            if new_head != pull.head_sha:
                pull.previous_head = pull.head_sha
            pull.head_sha = new_head
            pull.base_sha = new_base
            pull.updated_at = now_iso()
        return previous

    def pull_or_404(self, number: int) -> Pull:
        with self.state.lock:
            pull = self.state.pulls.get(number)
        if pull is None:
            raise errors.not_found()
        return pull


# -- pagination -------------------------------------------------------------------------------

def page_params(request: Request, default: int = 30, maximum: int = 100) -> tuple[int, int]:
    def number(name: str, fallback: int) -> int:
        try:
            return int(request.query_params.get(name, fallback))
        except ValueError:
            return fallback

    per_page = number("per_page", default)
    if per_page <= 0:
        per_page = default
    per_page = min(per_page, maximum)
    page = max(number("page", 1), 1)
    return page, per_page


def link_header(request: Request, page: int, per_page: int, total: int, base: str) -> str | None:
    last = max((total + per_page - 1) // per_page, 1)
    if last <= 1 and page <= 1:
        return None
    query = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != "page"]

    def url(target: int) -> str:
        return f"{base}{request.url.path}?{urlencode(query + [('page', str(target))])}"

    links = []
    if page > 1:
        links.append(f'<{url(min(page - 1, last))}>; rel="prev"')
    if page < last:
        links.append(f'<{url(page + 1)}>; rel="next"')
        links.append(f'<{url(last)}>; rel="last"')
    if page > 1:
        links.append(f'<{url(1)}>; rel="first"')
    return ", ".join(links) or None


def paginated(
    request: Request,
    items: Sequence[Any],
    render_item,
    *,
    base: str,
    default: int = 30,
    maximum: int = 100,
    wrap: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    page, per_page = page_params(request, default, maximum)
    chunk = items[(page - 1) * per_page : page * per_page]
    rendered = [render_item(item) for item in chunk]
    content: Any = rendered
    if wrap is not None:
        content = {"total_count": len(items), wrap: rendered, **(extra or {})}
    response = GitHubJSON(content)
    link = link_header(request, page, per_page, len(items), base)
    if link:
        response.headers["link"] = link
    return response


def require_commit(sandbox: Sandbox, sha: str) -> str:
    """`sha` must name a commit of the repository: GitHub's 422 "No commit found for SHA" if not."""
    resolved = sha if SHA_RE.match(sha or "") and sandbox.git.object_type(sha) == "commit" else None
    if resolved is None:
        raise errors.ApiError(422, f"No commit found for SHA: {sha}")
    return resolved
