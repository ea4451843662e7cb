"""Fixtures for the end-to-end tests; the harness itself is in service_harness.py (the bench uses it too)."""

from __future__ import annotations

import pytest
from tests.service.service_harness import World


@pytest.fixture
def world(tmp_path):
    world = World(tmp_path)
    try:
        yield world
    finally:
        world.close()
