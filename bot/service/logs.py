"""Structured logs: one JSON object per line, with the delivery id of the job at hand on every line."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from contextlib import contextmanager

delivery_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("delivery_id", default=None)

# LogRecord's own attributes; everything else on a record came through `extra=` and is logged.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = delivery_id.get()
        if current:
            entry["delivery"] = current
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "huey"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # httpx logs each request URL at INFO; ours are logged with less noise by the client.
    logging.getLogger("httpx").setLevel(logging.WARNING)


@contextmanager
def for_delivery(value: str | None):
    token = delivery_id.set(value)
    try:
        yield
    finally:
        delivery_id.reset(token)
