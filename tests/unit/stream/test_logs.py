"""Logs for machines and people: JSON lines with context, dead letters logged once
without their payload, no terminal control codes."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import logging.config

import pytest

from corpactions.contracts.events import DeadLetterCode
from corpactions.contracts.topics import Topics
from corpactions.settings import Settings, SettingsError
from corpactions.stream.intake import Rejection, Source
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.logs import JsonFormatter, log_dead_letters, logging_config

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
SECRET = "hunter2-do-not-log"  # noqa: S105 (a marker that must never be logged)


def _capture(log_format: str) -> tuple[io.StringIO, logging.Handler]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    cfg = logging_config(log_format, logging.INFO)
    fmt = cfg["formatters"]["corpactions"]
    handler.setFormatter(JsonFormatter() if "()" in fmt else logging.Formatter(fmt["format"]))
    return out, handler


def _dead_letter_outcome() -> object:
    payload = json.dumps({"event_id": "EV-9", "message_id": "m", "password": SECRET}).encode()
    source = Source("in", 4, 1234, None, b"JP0000000001", (("auth", SECRET.encode()),))
    rejection = Rejection(DeadLetterCode.SCHEMA_VIOLATION, "security: Field required")
    return Lifecycle(Topics()).dead_letter(payload, source, rejection, NOW)


def test_a_dead_letter_is_one_json_line_with_reason_and_coordinates_never_its_payload() -> None:
    out, handler = _capture("json")
    logger = logging.getLogger("corpactions.dead_letters")
    logger.addHandler(handler)
    try:
        log_dead_letters([_dead_letter_outcome()])  # type: ignore[list-item]
    finally:
        logger.removeHandler(handler)
    [line] = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["level"] == "warning"
    assert record["logger"] == "corpactions.dead_letters"
    assert record["time"].endswith("Z")
    assert (record["topic"], record["partition"], record["offset"]) == ("in", 4, 1234)
    assert record["reason"] == "schema_violation"
    assert record["event_id"] == "EV-9"
    assert (
        record["message"] == "dead-lettered in/4@1234: schema_violation: security: Field required"
    )
    assert SECRET not in line
    assert "payload" not in line


def test_other_outcomes_are_not_logged_as_dead_letters() -> None:
    out, handler = _capture("json")
    logger = logging.getLogger("corpactions.dead_letters")
    logger.addHandler(handler)
    try:
        from corpactions.stream.lifecycle import Outcome

        log_dead_letters([Outcome(None)])
    finally:
        logger.removeHandler(handler)
    assert out.getvalue() == ""


def test_json_lines_carry_exceptions_and_text_lines_no_control_codes() -> None:
    record = logging.LogRecord("x.y", logging.ERROR, __file__, 1, "boom %s", ("now",), None)
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "boom now"
    assert "ValueError: bad" in parsed["exception"]
    text = logging.Formatter(logging_config("text", 20)["formatters"]["corpactions"]["format"])
    assert "\x1b" not in text.format(record)


def test_log_format_setting() -> None:
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"CORPACTIONS_LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(SettingsError, match="CORPACTIONS_LOG_FORMAT"):
        Settings.from_env({"CORPACTIONS_LOG_FORMAT": "logfmt"})
