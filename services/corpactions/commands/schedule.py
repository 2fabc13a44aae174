"""`corpactions schedule [--format json|seev031] FILE`: one board resolution's schedule,
or its ISO 20022 notification, no Kafka.

FILE holds one board resolution as JSON (`corporate-actions.board-resolutions.v1`);
"-" reads standard input. `--history HISTORY` names a JSON array of the security's
earlier messages from the same topic, in publication order: dividend forecasts
(`"message_type": "dividend_forecast"`) and board resolutions. They make the history the
fiscal roll-up reads, as the worker keeps it (IIJ's interim plus its 2016-05-13 forecast:
annual JPY 27.00, `includes_forecast: true`).

``--format seev031`` prints the XML document the service writes to
`corporate-actions.notifications.seev031.v1` for this resolution as the first message
about its event: a seev.031 NEWM for NEWM or REPL, a seev.039 for CANC or WITH (a
replacement's REPL links to a notification only the service knows it sent). Its
reasons on exit 2 include `iso20022_max_length`, `iso20022_fraction_digits`, ... when
the standard cannot express a field (FIELD is the contract field; the message names
the element).

Output and exit status (other teams script against these):
- 0: the schedule (`corporate-actions.dividend-schedule.v1`) as JSON, indent 2, on
  stdout. Warnings, if any, are inside it under `validation.warnings`.
- 2: the resolution is invalid. stderr gets one line per reason,
  `CODE FIELD: MESSAGE`, where CODE is a domain reason code (`payment_before_record`,
  `unknown_mic`, ...) or, for a schema error, pydantic's error type (`missing`,
  `money_is_float`, `json_invalid`, ...) and FIELD is the dotted path
  (`other_listings.0.mic`; `-` when the error is about the whole document).
  A history message that is not valid gets the same lines, its FIELD prefixed with
  `history.N.` (N its position in the array).
- 1: FILE or HISTORY could not be read (or a CORPACTIONS_* setting is invalid).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import TextIO

from pydantic import ValidationError

from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.forecast import DividendForecast, forecast_entries
from corpactions.contracts.inbound import Inbound, decode_inbound, history_of
from corpactions.contracts.schedule import compute_schedule
from corpactions.domain import DividendHistory, DomainRejected, configure_calendars
from corpactions.domain.forecasts import check_forecasts
from corpactions.settings import Settings, SettingsError

EXIT_OK = 0
EXIT_UNREADABLE = 1
EXIT_INVALID = 2


def _read(source: str, stdin: TextIO | None) -> bytes:
    if source == "-":
        stream = stdin if stdin is not None else sys.stdin
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            data: bytes = buffer.read()
            return data
        return stream.read().encode("utf-8")
    with open(source, "rb") as f:
        return f.read()


def run(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as e:
        print(f"corpactions: {e}", file=sys.stderr)
        return EXIT_UNREADABLE
    # The horizon, as the worker derives it: from today, at start-up.
    configure_calendars(settings.calendar_horizon(dt.datetime.now(dt.UTC).date()))
    return print_schedule(args.file, sys.stdout, sys.stderr, history=args.history, fmt=args.format)


def _print_errors(e: ValidationError, stderr: TextIO, prefix: str = "") -> None:
    for error in e.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "-"
        print(f"{error['type']} {prefix}{field}: {error['msg']}", file=stderr)


def _history(data: bytes, stderr: TextIO) -> DividendHistory | None:
    """The history in `data` (a JSON array of messages), or None after printing why not."""
    try:
        items = json.loads(data)
    except ValueError as e:
        print(f"json_invalid history: {e}", file=stderr)
        return None
    if not isinstance(items, list):
        print("history_not_a_list history: give a JSON array of messages", file=stderr)
        return None
    messages: list[Inbound] = []
    ok = True
    for n, item in enumerate(items):
        try:
            message = decode_inbound(json.dumps(item))
            if isinstance(message, DividendForecast):
                check_forecasts(forecast_entries(message))
            messages.append(message)
        except ValidationError as e:
            _print_errors(e, stderr, f"history.{n}.")
            ok = False
        except DomainRejected as e:
            for reason in e.reasons:
                print(
                    f"{reason.code.value} history.{n}.{reason.field}: {reason.message}", file=stderr
                )
            ok = False
    return history_of(messages) if ok else None


def print_schedule(
    source: str,
    stdout: TextIO,
    stderr: TextIO,
    stdin: TextIO | None = None,
    history: str | None = None,
    fmt: str = "json",
) -> int:
    """Schedule the resolution in `source` ("-" = `stdin`, default sys.stdin), with the
    security's earlier messages in the file `history`, if given; print the schedule
    (``fmt`` "json") or its ISO 20022 notification ("seev031")."""
    try:
        data = _read(source, stdin)
        history_data = _read(history, stdin) if history is not None else None
    except OSError as e:
        print(f"unreadable {e.filename or source}: {e.strerror or e}", file=stderr)
        return EXIT_UNREADABLE
    try:
        resolution = BoardResolution.model_validate_json(data)
    except ValidationError as e:
        _print_errors(e, stderr)
        return EXIT_INVALID
    if fmt == "seev031":
        return _print_notification(resolution, stdout, stderr)
    past: DividendHistory | None = None
    if history_data is not None:
        past = _history(history_data, stderr)
        if past is None:
            return EXIT_INVALID
    try:
        schedule = compute_schedule(resolution, past)
    except DomainRejected as e:
        for reason in e.reasons:
            print(f"{reason.code.value} {reason.field}: {reason.message}", file=stderr)
        return EXIT_INVALID
    stdout.write(schedule.model_dump_json(indent=2))
    stdout.write("\n")
    return EXIT_OK


def _print_notification(resolution: BoardResolution, stdout: TextIO, stderr: TextIO) -> int:
    """The document the service would write for ``resolution`` as its event's first
    message (imported here: `corpactions schedule` in JSON needs none of it)."""
    from corpactions.domain import schedule_dividend
    from corpactions.notifications import (
        Inexpressible,
        cancellation_advice,
        notification,
    )

    try:
        if resolution.function in ("CANC", "WITH"):
            document = cancellation_advice(resolution)  # the service schedules none
        else:
            ex_date = schedule_dividend(resolution).ex_date
            document = notification(resolution, ex_date)
    except DomainRejected as e:
        for reason in e.reasons:
            print(f"{reason.code.value} {reason.field}: {reason.message}", file=stderr)
        return EXIT_INVALID
    except Inexpressible as e:
        for error in e.errors:
            print(
                f"{error['code']} {error['field']}: {error['element']}: {error['message']}",
                file=stderr,
            )
        return EXIT_INVALID
    stdout.write(document.xml.decode())
    return EXIT_OK
