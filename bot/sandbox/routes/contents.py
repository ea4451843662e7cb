"""git data and contents: files and folders at a ref, blobs, trees, commits, comparisons."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import errors
from ..core import GitHubJSON, link_header, page_params, paginated
from ..deps import R, ReadContents
from ..gitdata import EMPTY_TREE, SHA_RE
from ..shapes import b64_lines, node_id, stable_id
from .pulls import diff_media

router = APIRouter()


@router.get(R + "/contents")
@router.get(R + "/contents/{path:path}")
def get_content(request: Request, ctx: ReadContents, path: str = ""):
    sandbox = ctx.sandbox
    ref = request.query_params.get("ref") or sandbox.cfg.default_branch or "main"
    sha = sandbox.resolve_ref(ref)
    if sha is None:
        raise errors.ApiError(404, f"No commit found for the ref {ref}")
    path = path.strip("/")
    entry = sandbox.git.entry(sha, path)
    if entry is None:
        raise errors.not_found()
    accept = request.headers.get("accept", "")
    if entry.type == "tree":
        children = sandbox.git.ls_tree(sha + ":" + path if path else sha)
        items = [ctx.render.content_entry(child, path, ref, with_content=False) for child in children[:1000]]
        return GitHubJSON(items)
    if entry.type == "blob" and ("application/vnd.github.raw" in accept or "application/vnd.github.v3.raw" in accept):
        return Response(sandbox.git.read_blob(entry.sha), media_type="application/vnd.github.raw")
    item = ctx.render.content_entry(entry, "", ref, with_content=True)
    item["path"] = path
    item["name"] = path.rsplit("/", 1)[-1]
    return GitHubJSON(item)


@router.get(R + "/git/blobs/{file_sha}")
def get_blob(request: Request, ctx: ReadContents, file_sha: str):
    sandbox = ctx.sandbox
    if not SHA_RE.match(file_sha) or sandbox.git.object_type(file_sha) != "blob":
        raise errors.not_found()
    data = sandbox.git.read_blob(file_sha)
    accept = request.headers.get("accept", "")
    if "application/vnd.github.raw" in accept or "application/vnd.github.v3.raw" in accept:
        return Response(data, media_type="application/vnd.github.raw")
    return GitHubJSON({
        "sha": file_sha,
        "node_id": node_id("Blob", stable_id(file_sha)),
        "size": len(data),
        "url": f"{ctx.render.repo_url}/git/blobs/{file_sha}",
        "content": b64_lines(data),
        "encoding": "base64",
    })


@router.get(R + "/git/trees/{tree_sha}")
def get_tree(request: Request, ctx: ReadContents, tree_sha: str):
    sandbox = ctx.sandbox
    commit = sandbox.resolve_ref(tree_sha)
    tree = sandbox.git.resolve_tree(commit or tree_sha)
    if tree is None:
        raise errors.not_found()
    recursive = request.query_params.get("recursive") not in (None, "", "0", "false")
    entries = sandbox.git.ls_tree(tree, recursive=recursive)
    truncated = len(entries) > 100_000
    items = []
    for e in entries[:100_000]:
        item: dict[str, Any] = {"path": e.path, "mode": e.mode, "type": e.type, "sha": e.sha}
        if e.type == "blob":
            item["size"] = e.size or 0
            item["url"] = f"{ctx.render.repo_url}/git/blobs/{e.sha}"
        elif e.type == "tree":
            item["url"] = f"{ctx.render.repo_url}/git/trees/{e.sha}"
        items.append(item)
    return GitHubJSON({"sha": tree, "url": f"{ctx.render.repo_url}/git/trees/{tree}", "tree": items,
                       "truncated": truncated})


@router.get(R + "/commits")
def list_commits(request: Request, ctx: ReadContents):
    """GitHub's commits listing, newest first; `?path=` keeps those that changed the path."""
    sandbox = ctx.sandbox
    ref = request.query_params.get("sha") or sandbox.cfg.default_branch or "main"
    sha = sandbox.resolve_ref(ref)
    if sha is None:
        raise errors.ApiError(404, f"No commit found for SHA: {ref}")
    shas = sandbox.git.log(sha, (request.query_params.get("path") or "").strip("/") or None)
    return paginated(request, shas, lambda s: ctx.render.commit(sandbox.git.commit(s)), base=ctx.render.base)


@router.get(R + "/commits/{ref}")
def get_commit(request: Request, ctx: ReadContents, ref: str):
    sandbox = ctx.sandbox
    sha = sandbox.resolve_ref(ref)
    if sha is None:
        raise errors.ApiError(422, f"No commit found for SHA: {ref}")
    info = sandbox.git.commit(sha)
    parent = info.parents[0] if info.parents else EMPTY_TREE
    files = sandbox.git.diff(parent, sha)
    # More than 300 files: paginated with Link headers, up to 3000 (docs/sandbox.md, [gh: commit-files]).
    page, per_page = page_params(request, default=300, maximum=300)
    files = files[:3000]
    chunk = files[(page - 1) * per_page : page * per_page]
    body = ctx.render.commit(info, chunk, parent)
    total_add = sum(f.additions for f in files)
    total_del = sum(f.deletions for f in files)
    body["stats"] = {"total": total_add + total_del, "additions": total_add, "deletions": total_del}
    response = GitHubJSON(body)
    link = link_header(request, page, per_page, len(files), ctx.render.base)
    if link:
        response.headers["link"] = link
    return response


@router.get(R + "/compare/{basehead}")
def compare(request: Request, ctx: ReadContents, basehead: str):
    sandbox = ctx.sandbox
    sep = "..." if "..." in basehead else ".."
    if sep not in basehead:
        raise errors.not_found()
    base_ref, head_ref = basehead.split(sep, 1)

    def strip_owner(ref: str) -> str:
        if ":" in ref:
            who, _, rest = ref.partition(":")
            if who.lower() != sandbox.cfg.owner.lower():
                raise errors.not_found()
            return rest
        return ref

    base_sha = sandbox.resolve_ref(strip_owner(base_ref))
    head_sha = sandbox.resolve_ref(strip_owner(head_ref))
    if base_sha is None or head_sha is None:
        raise errors.not_found()
    merge_base = sandbox.git.merge_base(base_sha, head_sha) or base_sha
    ahead = sandbox.git.rev_list(base_sha, head_sha)
    behind = sandbox.git.rev_list(head_sha, base_sha)
    status = "identical" if not ahead and not behind else "ahead" if not behind else "behind" if not ahead else "diverged"
    media = diff_media(request)
    if media:
        return Response(sandbox.git.diff_text(merge_base, head_sha),
                        media_type=f"application/vnd.github.{media}; charset=utf-8")
    paged = "page" in request.query_params or "per_page" in request.query_params
    if paged:
        page, per_page = page_params(request, default=250, maximum=100)
        commits = ahead[(page - 1) * per_page : page * per_page]
    else:
        page, per_page = 1, 250
        commits = ahead[-250:]
    files = sandbox.git.diff(merge_base, head_sha)[:300]
    r = ctx.render
    body: dict[str, Any] = {
        "url": f"{r.repo_url}/compare/{basehead}",
        "html_url": f"{r.repo_html}/compare/{basehead}",
        "permalink_url": f"{r.repo_html}/compare/{sandbox.cfg.owner}:{base_sha[:7]}...{sandbox.cfg.owner}:{head_sha[:7]}",
        "diff_url": f"{r.repo_html}/compare/{basehead}.diff",
        "patch_url": f"{r.repo_html}/compare/{basehead}.patch",
        "base_commit": r.commit(sandbox.git.commit(base_sha)),
        "merge_base_commit": r.commit(sandbox.git.commit(merge_base)),
        "status": status,
        "ahead_by": len(ahead),
        "behind_by": len(behind),
        "total_commits": len(ahead),
        "commits": [r.commit(sandbox.git.commit(s)) for s in commits],
    }
    if page == 1:
        body["files"] = [r.diff_entry(f, head_sha, merge_base, sandbox.cfg.max_patch_lines) for f in files]
    response = GitHubJSON(body)
    if paged:
        link = link_header(request, page, per_page, len(ahead), r.base)
        if link:
            response.headers["link"] = link
    return response
