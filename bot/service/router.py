"""A small router of webhook handlers by (event, action), as bedevere's gidgethub router.

Handlers only read the payload and ask `Jobs` for work; the slow part runs in the worker.
Events nobody registered for are acknowledged and ignored (GitHub adds new ones over time).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .jobs import Jobs


@dataclass(frozen=True)
class Event:
    name: str  # X-GitHub-Event
    delivery: str  # X-GitHub-Delivery
    payload: dict[str, Any]

    @property
    def action(self) -> str | None:
        return self.payload.get("action")


Handler = Callable[[Event, Jobs], None]


class Router:
    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str | None], list[Handler]] = defaultdict(list)

    def register(self, event: str, action: str | None = None) -> Callable[[Handler], Handler]:
        def add(handler: Handler) -> Handler:
            self._handlers[(event, action)].append(handler)
            return handler
        return add

    def handlers_for(self, event: Event) -> list[Handler]:
        return [*self._handlers.get((event.name, None), ()), *self._handlers.get((event.name, event.action), ())]

    def dispatch(self, event: Event, jobs: Jobs) -> int:
        handlers = self.handlers_for(event)
        for handler in handlers:
            handler(event, jobs)
        return len(handlers)
