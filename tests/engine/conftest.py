"""Fixtures for the engine's tests: a fresh real git repository per test."""

from __future__ import annotations

import pytest

from tests.support.git import GitRepo


@pytest.fixture
def repo(tmp_path) -> GitRepo:
    return GitRepo(tmp_path / "repo")
