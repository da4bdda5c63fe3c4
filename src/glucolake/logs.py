"""Structured logging: one JSON object per line, with secrets masked as a last line of defence.

Code logs events with ``log.info("event_name", extra={"fields": {...}})``. On a terminal the same
events print as short human lines (progress bars carry the rest); anywhere else (Argo pods, CI,
files) each event is one JSON line that log tooling can parse.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, ClassVar

__all__ = ["configure", "fields", "get_logger"]

_MASK = "********"
# Shorter values would mask innocent text; real secrets (Nightscout demands 12+) are longer.
_MIN_SECRET_LENGTH = 4


def get_logger(name: str) -> logging.Logger:
    """Return a logger under the ``glucolake`` namespace."""
    return logging.getLogger(name if name.startswith("glucolake") else f"glucolake.{name}")


def fields(**values: object) -> dict[str, object]:
    """Wrap event fields for the ``extra=`` argument of a logging call."""
    return {"fields": values}


class _RedactingFilter(logging.Filter):
    """Replace any known secret value in a record's message or fields with a mask."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = tuple(
            sorted({s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}, key=len, reverse=True)
        )

    def _mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, _MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            record.msg = self._mask(record.getMessage())
            record.args = None
            values = getattr(record, "fields", None)
            if isinstance(values, dict):
                record.fields = {
                    k: self._mask(v) if isinstance(v, str) else v for k, v in values.items()
                }
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event, then the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        values = getattr(record, "fields", None)
        if isinstance(values, dict):
            payload.update(values)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """A short human line for terminals: ``level event key=value ...``."""

    _LEVELS: ClassVar[dict[str, str]] = {"WARNING": "warning: ", "ERROR": "error: "}

    def format(self, record: logging.LogRecord) -> str:
        values = getattr(record, "fields", None)
        extra = ""
        if isinstance(values, dict) and values:
            extra = " " + " ".join(f"{k}={v}" for k, v in values.items())
        return f"{self._LEVELS.get(record.levelname, '')}{record.getMessage()}{extra}"


def configure(*, json_lines: bool | None = None, secrets: tuple[str, ...] = ()) -> bool:
    """Send glucolake's logs to stderr; return whether they are JSON lines.

    Args:
        json_lines: force JSON (True) or console (False); by default JSON unless stderr is a TTY.
        secrets: values to mask wherever they would appear in a log record.
    """
    use_json = (not sys.stderr.isatty()) if json_lines is None else json_lines
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if use_json else ConsoleFormatter())
    handler.addFilter(_RedactingFilter(secrets))
    root = logging.getLogger("glucolake")
    root.handlers[:] = [handler]
    # On a terminal the progress display tells the story; only warnings and errors add to it.
    root.setLevel(logging.INFO if use_json else logging.WARNING)
    root.propagate = False
    return use_json
