"""Log formatting for ``openai-emulator serve``: ``text`` (a message and key=value fields) or ``json`` (one object
a line), for the emulator's own loggers and uvicorn's alike.

Fields are whatever a log call passes in ``extra=``; the formatter, not the caller, decides how they look::

    log.info("request", extra={"request_id": "req_1", "status": 200})
    # text: INFO:     request request_id=req_1 status=200
    # json: {"time": "…", "level": "info", "logger": "…", "message": "request", "request_id": "req_1", "status": 200}
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is a field.
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
# uvicorn adds a coloured copy of its message; it is not a field.
_IGNORED = frozenset({"color_message"})


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a log call passed with ``extra=``, in the order given."""
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _RECORD_ATTRIBUTES and key not in _IGNORED and not key.startswith("_")
    }


def _text_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    # Quote only when a reader could not otherwise tell where the value ends.
    if text == "" or any(c.isspace() or c in '="' for c in text):
        return json.dumps(text)
    return text


class KeyValueFormatter(logging.Formatter):
    """``LEVEL:     message key=value …``, aligned like uvicorn's own lines."""

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"{record.levelname}:".ljust(10)
        fields = " ".join(f"{key}={_text_value(value)}" for key, value in record_fields(record).items())
        line = f"{prefix}{record.getMessage()}" + (f" {fields}" if fields else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record_fields(record).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_config(level: str, log_format: LogFormat) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn's ``log_config``: every logger, one format, on stderr."""
    formatter = JSONFormatter if log_format == "json" else KeyValueFormatter
    handler = {"class": "logging.StreamHandler", "formatter": "emulator", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"emulator": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {"emulator": handler},
        "loggers": {
            name: {"handlers": ["emulator"], "level": level.upper(), "propagate": False}
            for name in ("openai_emulator", "storage", "scenarios", "server", "uvicorn", "uvicorn.access")
        },
    }
