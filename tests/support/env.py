"""The environment every test's git and mockguard run in.

A fixed identity and no user or system configuration, so a developer's git settings (signing,
hooks, default branch, templates) cannot change a test.
"""

from __future__ import annotations

import os

GIT_ENV = {
    **os.environ,
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "mockguard tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "mockguard tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}
