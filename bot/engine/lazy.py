"""Heavy libraries imported on first use, not when a module that may need them is imported.

libcst costs about 0.15 s to import, most of a small check: the detectors, the name tracking and
the templates refer to it only inside functions, through `libcst` below, so a run that parses
nothing with libcst never loads it. (A module that subclasses a libcst class at import time, as
`sites.py` does, imports libcst itself.) Type checkers see the real module:

    if TYPE_CHECKING:
        import libcst as cst
    else:
        from .lazy import libcst as cst
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """Stands for a module; the first attribute read imports it, and each attribute read is then
    kept on this object, so later reads cost a plain attribute lookup."""

    def __init__(self, name: str) -> None:
        self.__module_name = name

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(importlib.import_module(self.__module_name), attribute)
        setattr(self, attribute, value)
        return value

    def __repr__(self) -> str:
        return f"<lazy module {self.__module_name!r}>"


libcst = LazyModule("libcst")
