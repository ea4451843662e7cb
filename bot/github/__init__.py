"""The GitHub boundary: the App's client on PyGithub, its retry policy and throttle, webhook
signatures and payload shapes. Nothing else in mockguard speaks HTTP to GitHub, and nothing else
reads GitHub's wire format; the engine never sees any of this.
"""

from .client import GitHubApp, GitHubToken, InlineComment, InstallationClient
from .errors import GitHubRequestError, NotFound, RateLimitTooLong, Unprocessable, transient
from .hunks import commentable_lines
from .signatures import sign, valid_signature
from .throttle import LocalThrottle, Throttle
from .values import ChangedFile, CheckRun, Comment, OpenPull, PullRequest, Review, Tree, TreeEntry

__all__ = [
    "ChangedFile",
    "CheckRun",
    "Comment",
    "GitHubApp",
    "GitHubToken",
    "GitHubRequestError",
    "InlineComment",
    "InstallationClient",
    "LocalThrottle",
    "NotFound",
    "OpenPull",
    "PullRequest",
    "RateLimitTooLong",
    "Review",
    "Throttle",
    "Tree",
    "TreeEntry",
    "Unprocessable",
    "commentable_lines",
    "sign",
    "transient",
    "valid_signature",
]
