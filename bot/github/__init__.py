"""The GitHub boundary: App auth, the REST client, webhook signatures and payload shapes.

Nothing else in mockguard speaks HTTP to GitHub; the engine never sees any of this.
"""

from .client import GitHub, Installation
from .errors import GitHubError, NotFound, Unprocessable
from .hunks import commentable_lines
from .politeness import Politeness, RateLimitTooLong
from .shared_politeness import SharedPoliteness
from .signatures import sign, valid_signature

__all__ = [
    "GitHub",
    "GitHubError",
    "Installation",
    "NotFound",
    "Politeness",
    "RateLimitTooLong",
    "SharedPoliteness",
    "Unprocessable",
    "commentable_lines",
    "sign",
    "valid_signature",
]
