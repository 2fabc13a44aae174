"""What the service accepts from the input topic, and why it refuses the rest.

Each check either passes or raises a `Rejection` (a dead-letter reason code with every
problem found): the size cap and the key come first, then decoding against the contract,
then the lifecycle's rules for an update of a known action (ISO 15022: repeated,
cancelled, paid, record date reached). `Lifecycle` (stream/lifecycle.py) calls them in
that order and turns a rejection into one dead letter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from corpactions.contracts.board_resolution import BoardResolution, decode_resolution
from corpactions.contracts.events import DeadLetterCode
from corpactions.contracts.forecast import DividendForecast, forecast_entries
from corpactions.domain import DomainRejected, calendar_index
from corpactions.domain.forecasts import check_forecasts
from corpactions.stream.state import Action

MAX_PAYLOAD_BYTES = 256 * 1024  # a resolution is ~1 KB; larger input is rejected unread
DLQ_KEEP_BYTES = 64 * 1024  # of a rejected oversized payload, keep this much


class Verdict(StrEnum):
    SCHEDULED = "scheduled"
    REPLACED = "replaced"
    CANCELLED = "cancelled"
    DUPLICATE = "duplicate"
    STALE = "stale"
    DEAD_LETTER = "dead_letter"
    FORECAST = "forecast"  # a dividend forecast entered the security's history


@dataclass(frozen=True, slots=True)
class Source:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None = None
    key: bytes | None = None  # the record's Kafka key: must be the security's
    headers: Sequence[tuple[str, bytes | None]] = ()  # kept in a dead letter


CANCELLING = frozenset({"CANC", "WITH"})  # ISO 15022 functions that end an action


class Rejection(Exception):
    """Why a resolution goes to the dead letters: a reason code, a human summary, and
    every problem found (code, field, message)."""

    def __init__(
        self, code: DeadLetterCode, message: str, errors: Sequence[dict[str, Any]] = ()
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.errors = errors


def read(raw: bytes, source: Source) -> BoardResolution:
    """The record as a resolution keyed by its security, or a `Rejection` (too large,
    not JSON, not the contract, or the wrong key)."""
    check_size(raw)
    try:
        resolution = decode_resolution(raw)
    except ValidationError as exc:
        raise unreadable(exc) from None
    check_key(resolution.security_key, source)
    return resolution


def read_forecast(raw: bytes, source: Source) -> DividendForecast:
    """The record as a dividend forecast keyed by its security, whose amounts the core
    accepts; or a `Rejection`."""
    check_size(raw)
    try:
        forecast = DividendForecast.model_validate_json(raw)
    except ValidationError as exc:
        raise unreadable(exc) from None
    check_key(forecast.security_key, source)
    try:
        check_forecasts(forecast_entries(forecast))
    except DomainRejected as exc:
        raise breaks_rules(exc) from None
    return forecast


def check_size(raw: bytes) -> None:
    if len(raw) > MAX_PAYLOAD_BYTES:
        msg = f"payload of {len(raw)} bytes exceeds {MAX_PAYLOAD_BYTES}"
        raise Rejection(DeadLetterCode.PAYLOAD_TOO_LARGE, msg)


def check_key(security_key: str, source: Source) -> None:
    if source.key != security_key.encode():
        # Another key would put this security's events, or one event's versions, in
        # other partitions: another worker's state, a second schedule, timers firing
        # twice. Refused whole, for the publisher to re-key and replay.
        msg = (
            f"record key {source.key!r} is not the security key {security_key!r} "
            "(the ISIN, else MIC:local_code): every message about a security must "
            "share its partition"
        )
        code = DeadLetterCode.WRONG_KEY
        raise Rejection(code, msg, [{"code": code.value, "field": "(record key)", "message": msg}])


def unreadable(exc: ValidationError) -> Rejection:
    errors = [
        {
            "code": e["type"],
            "field": ".".join(str(p) for p in e["loc"]),
            "message": e["msg"],
        }
        for e in exc.errors(include_url=False, include_input=False)
    ]
    undecodable = any(e["code"] in {"json_invalid", "json_type"} for e in errors)
    code = DeadLetterCode.UNDECODABLE if undecodable else DeadLetterCode.SCHEMA_VIOLATION
    first = errors[0] if errors else {"field": "", "message": str(exc)}
    return Rejection(code, f"{first['field']}: {first['message']}", errors)


def repeated(action: Action, resolution: BoardResolution) -> Verdict | None:
    """DUPLICATE for a message already applied to the action, STALE for a version not
    newer than the action's; None for news."""
    if resolution.message_id in action.message_ids:
        return Verdict.DUPLICATE
    if resolution.version <= action.version:
        return Verdict.STALE
    return None


def received_at(source: Source, now: dt.datetime) -> dt.datetime:
    """When the resolution arrived: its record's timestamp, else now."""
    if source.timestamp_ms is None:
        return now
    return dt.datetime.fromtimestamp(source.timestamp_ms / 1000, dt.UTC)


def after_cancellation(resolution: BoardResolution, action: Action) -> Rejection:
    """A NEWM/REPL for a cancelled action: ISO 15022 requires a new event instead."""
    msg = f"{resolution.event_id} was cancelled at version {action.version}"
    code = DeadLetterCode.EVENT_CANCELLED
    return Rejection(code, msg, [{"code": code.value, "field": "event_id", "message": msg}])


def paid(action: Action, now: dt.datetime) -> bool:
    """The payment date was reached: fired, or due by ``now`` (the engine fires a batch's
    due dates after its records, so an update in the batch that reaches the payment date
    must find it paid, not move it away first)."""
    due = action.payment_due
    return action.paid or (due is not None and due <= now)


def after_payment(resolution: BoardResolution, action: Action) -> Rejection:
    """Any update or cancellation of a paid dividend (DOMAIN.md: never cancelled after
    payment; once paid, a correction is a new event, not an update)."""
    msg = (
        f"{resolution.event_id} was paid (payment date reached at "
        f"{action.payment_fired or action.payment_due}): a {resolution.function.value} is not "
        "applied to a paid dividend; a correction is a new event"
    )
    code = DeadLetterCode.EVENT_ALREADY_PAID
    return Rejection(code, msg, [{"code": code.value, "field": "event_id", "message": msg}])


def record_date_moved_after_reached(
    action: Action, resolution: BoardResolution, now: dt.datetime
) -> Rejection | None:
    """A REPL moving a record date that was reached: positions were struck at its end,
    and entitlement systems took their snapshot; another record date means other holders
    (a new event). Before it is reached, or for any other change, None."""
    due = action.record_due
    if due is None or (action.record_fired is None and due > now):
        return None
    tz = calendar_index(resolution.security.mic).tz
    if due.astimezone(tz).date() == resolution.record_date:
        return None
    msg = (
        f"{resolution.event_id}: the record date was reached (positions struck at its end); "
        f"a REPL may change the rate and the payment date, not the record date "
        f"({resolution.record_date}): cancel the event and announce a new one"
    )
    code = DeadLetterCode.RECORD_DATE_ALREADY_REACHED
    return Rejection(code, msg, [{"code": code.value, "field": "record_date", "message": msg}])


def breaks_rules(exc: DomainRejected) -> Rejection:
    errors = [{"code": r.code.value, "field": r.field, "message": r.message} for r in exc.reasons]
    return Rejection(DeadLetterCode.DOMAIN_RULE, str(exc), errors)
