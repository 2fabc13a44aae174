"""The worker's logs: for machines (``CORPACTIONS_LOG_FORMAT=json``) and for people.

``json``: one JSON object a line with ``time`` (UTC, ISO 8601, milliseconds), ``level``,
``logger``, ``message`` and, where they apply, ``event_id``, ``topic``, ``partition``,
``offset``, ``reason`` and ``dead_letter_id`` (given as ``extra=`` to the logging call),
``exception`` for a traceback. ``text``: one plain line a record. Neither writes terminal
control codes: faust's colour formatter and its start-up spinner (which writes
``ESC[?25l`` even into a file) are replaced.

Each dead letter is logged once, at warning, after the transaction that wrote it
committed (`log_dead_letters`): its reason code and message, where the record came from
and its event id when the payload names one; never the payload itself, nor headers.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import sys
from collections.abc import Iterable
from typing import Any

from corpactions.stream.agent import Outcome

# the record attributes a JSON line carries when a logging call gives them (extra=...)
CONTEXT_FIELDS = ("event_id", "topic", "partition", "offset", "reason", "dead_letter_id")
DEAD_LETTER_TYPE = "BoardResolutionRejected"
_MESSAGE_CHARS = 300  # of a dead letter's reason, in the log line

dead_letters_log = logging.getLogger("corpactions.dead_letters")


class JsonFormatter(logging.Formatter):
    """One JSON object per record (see module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        at = dt.datetime.fromtimestamp(record.created, dt.UTC)
        out: dict[str, Any] = {
            "time": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exception"] = record.exc_text
        return json.dumps(out, default=str, ensure_ascii=False)


TEXT_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"


def logging_config(log_format: str, level: int) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the worker (faust's ``logging_config``): one
    handler on stderr, the chosen formatter, no colours."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"corpactions": formatter},
        "handlers": {
            "corpactions": {
                "class": "logging.StreamHandler",
                "stream": sys.stderr,
                "formatter": "corpactions",
                "level": level,
            }
        },
        "root": {"level": level, "handlers": ["corpactions"]},
    }


def log_dead_letters(outcomes: Iterable[Outcome]) -> None:
    """Log each dead letter among committed ``outcomes`` once, at warning."""
    for outcome in outcomes:
        if outcome.reason is None:
            continue
        for out in outcome.outputs:
            if out.event_type == DEAD_LETTER_TYPE:
                _log_letter(out.value)


def _log_letter(value: bytes) -> None:
    letter = json.loads(value)
    reason = letter["reason"]
    where = (letter["source_topic"], letter["source_partition"], letter["source_offset"])
    message = str(reason.get("message", ""))[:_MESSAGE_CHARS]
    event_id = None if letter.get("payload_truncated") else _event_id(letter["payload_base64"])
    dead_letters_log.warning(
        "dead-lettered %s/%s@%s: %s: %s",
        *where,
        reason["code"],
        message,
        extra={
            "topic": where[0],
            "partition": where[1],
            "offset": where[2],
            "reason": reason["code"],
            "event_id": event_id,
            "dead_letter_id": letter.get("id"),
        },
    )


def _event_id(payload_base64: str) -> str | None:
    """The ``event_id`` the rejected payload names, if it is a JSON object with one (an
    identifier, not the payload)."""
    try:
        doc = json.loads(base64.b64decode(payload_base64))
    except (ValueError, RecursionError):
        return None
    event_id = doc.get("event_id") if isinstance(doc, dict) else None
    return event_id[:200] if isinstance(event_id, str) else None
