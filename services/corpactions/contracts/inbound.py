"""What arrives on the board-resolutions topic: board resolutions and dividend forecasts.

A forecast says so in its payload (`"message_type": "dividend_forecast"`); anything
else is decoded as a board resolution, so every resolution published so far stays
valid. The test costs a resolution one substring search: the full JSON parse happens
once, by the model it belongs to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from pydantic import ValidationError

from corpactions.contracts.board_resolution import BoardResolution, Function, decode_resolution
from corpactions.contracts.forecast import (
    FORECAST_MESSAGE_TYPE,
    DividendForecast,
    forecast_entries,
)
from corpactions.contracts.schedule import to_history_entry
from corpactions.domain import DividendHistory, PastDividend
from corpactions.domain.forecasts import apply_forecasts

Inbound = BoardResolution | DividendForecast

_MARKER = FORECAST_MESSAGE_TYPE.encode()


def is_forecast(raw: bytes | str) -> bool:
    """Does `raw` hold a dividend forecast (top-level message_type) rather than a
    board resolution? Resolutions never pay for more than the substring search."""
    data = raw.encode() if isinstance(raw, str) else raw
    if _MARKER not in data:
        return False
    try:
        doc = json.loads(data)
    except ValueError:
        return False  # undecodable either way: the resolution model reports it
    return isinstance(doc, dict) and doc.get("message_type") == FORECAST_MESSAGE_TYPE


def decode_inbound(raw: bytes | str) -> Inbound:
    """The message in `raw`; raises pydantic's ValidationError (as the model does)."""
    if is_forecast(raw):
        return DividendForecast.model_validate_json(raw)
    return decode_resolution(raw)


def apply_to_history(
    entries: tuple[PastDividend, ...], message: Inbound
) -> tuple[PastDividend, ...]:
    """The security's history after `message`: a forecast revises the held forecasts
    (domain/forecasts.py); a resolution replaces its event's entry; a cancellation or
    withdrawal removes it."""
    if isinstance(message, DividendForecast):
        return apply_forecasts(entries, forecast_entries(message))
    kept = tuple(e for e in entries if e.event_id != message.event_id)
    if message.function in (Function.CANC, Function.WITH):
        return kept
    return (*kept, to_history_entry(message))


def history_of(messages: Iterable[Inbound]) -> DividendHistory:
    """A security's history from its messages in publication order (what
    `corpactions schedule --history` reads; the worker keeps the same, message by
    message)."""
    entries: tuple[PastDividend, ...] = ()
    for message in messages:
        entries = apply_to_history(entries, message)
    return DividendHistory(entries)


__all__ = [
    "Inbound",
    "ValidationError",
    "apply_to_history",
    "decode_inbound",
    "history_of",
    "is_forecast",
]
