"""Every rule mockguard knows, in id order: the detectors and the checks on suppressions."""

from __future__ import annotations

from collections.abc import Mapping

from .detectors.base import Rule
from .detectors.cloud_mocking import CloudMock
from .detectors.http_mocking import HttpMockingLibrary
from .detectors.mock_imports import MockImport
from .detectors.mock_objects import MockClassAlias, MockObject
from .detectors.monkeypatching import Monkeypatch
from .detectors.patching import PatchFamily
from .detectors.pytest_mock import MockerFixture
from .detectors.time_freezing import TimeFreeze
from .model import RuleDoc
from .suppressions import SuppressionWithoutReason

# Detectors that look at uses of names, in the order they are asked.
DETECTORS: tuple[Rule, ...] = (
    PatchFamily(),
    MockObject(),
    MockClassAlias(),
    MockerFixture(),
    Monkeypatch(),
    HttpMockingLibrary(),
    CloudMock(),
    TimeFreeze(),
)
ALL_RULES: tuple[Rule, ...] = (*DETECTORS, MockImport(), SuppressionWithoutReason())
RULES: Mapping[str, RuleDoc] = {rule.id: rule.doc() for rule in sorted(ALL_RULES, key=lambda r: r.id)}
