"""Fixtures for the scale tests; the harness itself is in scale_harness.py (the bench uses it too)."""

from __future__ import annotations

import pytest
from tests.scale.scale_harness import Fleet


@pytest.fixture
def fleet(tmp_path):
    fleet = Fleet(tmp_path)
    try:
        yield fleet
    finally:
        fleet.close()
