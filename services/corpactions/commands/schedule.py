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

``--jsonl FILE`` (FILE "-": standard input) is the batch mode: FILE holds JSON Lines,
one board resolution per line; blank lines are skipped. Each resolution gets one line
on stdout, in input order, as soon as it is scheduled, carrying its line number:
- ``{"line": N, "ok": true, "schedule": {...}}``: the schedule, the same document as
  above (compact, as the service publishes it, `schedule_json`);
- ``{"line": N, "ok": false, "errors": [{"code": ..., "field": ..., "message": ...}]}``:
  why line N is invalid, the codes and fields of the exit-2 lines above.
An invalid line never stops the batch. Exit status: 0 every line was scheduled; 2 at
least one was invalid (its error line says which); 1 FILE could not be read (or a
setting is invalid); output written before a read error stands. --history and
--format seev031 take one resolution: with --jsonl they are a usage error (2).

The trading days come from the calendar cache (calendar_cache.py: ``CORPACTIONS_CACHE``,
else the user's cache directory): the first run, or the first after exchange_calendars is
upgraded or the horizon moves, builds them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

from pydantic import ValidationError
from pydantic_core import to_json

from corpactions.calendar_cache import cache_in
from corpactions.contracts.board_resolution import BoardResolution, decode_resolution
from corpactions.contracts.schedule import compute_schedule, schedule_json
from corpactions.domain import (
    DividendHistory,
    DomainRejected,
    configure_calendars,
    schedule_dividend,
)
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
    if args.jsonl and (args.history is not None or args.format != "json"):
        given = "--history" if args.history is not None else f"--format {args.format}"
        print(
            f"corpactions schedule: error: --jsonl schedules each line on its own; "
            f"{given} takes one resolution (see corpactions schedule --help)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    try:
        settings = Settings.from_env()
    except SettingsError as e:
        print(f"corpactions: {e}", file=sys.stderr)
        return EXIT_UNREADABLE
    # The horizon, as the worker derives it: from today, at start-up; the trading days
    # from the project's cache (calendar_cache.py): no pandas once it holds them.
    horizon = settings.calendar_horizon(dt.datetime.now(dt.UTC).date())
    configure_calendars(horizon, cache_in(settings.calendar_cache))
    if args.jsonl:
        return print_schedules(args.file, sys.stdout, sys.stderr)
    return print_schedule(args.file, sys.stdout, sys.stderr, history=args.history, fmt=args.format)


def _print_errors(e: ValidationError, stderr: TextIO, prefix: str = "") -> None:
    for error in e.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "-"
        print(f"{error['type']} {prefix}{field}: {error['msg']}", file=stderr)


def _history(data: bytes, stderr: TextIO) -> DividendHistory | None:
    """The history in `data` (a JSON array of messages), or None after printing why not.
    (The other inbound contracts are imported here: a schedule without --history needs
    only the board resolution's.)"""
    from corpactions.contracts.forecast import DividendForecast, forecast_entries
    from corpactions.contracts.inbound import Inbound, decode_inbound, history_of
    from corpactions.domain.forecasts import check_forecasts

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


def _errors(e: ValidationError | DomainRejected) -> list[dict[str, str]]:
    """The reasons of the exit-2 lines as objects: code, dotted field ("-": the whole
    document), message."""
    if isinstance(e, DomainRejected):
        return [{"code": r.code.value, "field": r.field, "message": r.message} for r in e.reasons]
    return [
        {
            "code": error["type"],
            "field": ".".join(str(part) for part in error["loc"]) or "-",
            "message": error["msg"],
        }
        for error in e.errors(include_url=False)
    ]


def schedule_lines(lines: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    """One result line (with its newline) per resolution in `lines` (JSON Lines; blank
    lines skipped), and whether it was scheduled; see the module's ``--jsonl``."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        head = b'{"line":%d,"ok":' % n
        try:
            resolution = decode_resolution(line)
            body = schedule_json(resolution, schedule_dividend(resolution))
        except (ValidationError, DomainRejected) as e:
            yield head + b'false,"errors":' + to_json(_errors(e)) + b"}\n", False
            continue
        yield head + b'true,"schedule":' + body + b"}\n", True


def print_schedules(
    source: str, stdout: TextIO, stderr: TextIO, stdin: TextIO | None = None
) -> int:
    """Schedule every resolution in the JSON Lines `source` ("-" = `stdin`), one result
    line each on `stdout`; 0 all valid, 2 any invalid, 1 unreadable."""
    out = getattr(stdout, "buffer", None)
    write = out.write if out is not None else (lambda b: stdout.write(b.decode()))
    valid = True
    try:
        with _lines(source, stdin) as lines:
            for result, ok in schedule_lines(lines):
                write(result)
                valid = valid and ok
    except BrokenPipeError:  # the reader of stdout left (`| head`): cli.main ends quietly
        raise
    except OSError as e:
        print(f"unreadable {e.filename or source}: {e.strerror or e}", file=stderr)
        return EXIT_UNREADABLE
    finally:
        if out is not None:
            out.flush()
    return EXIT_OK if valid else EXIT_INVALID


@contextlib.contextmanager
def _lines(source: str, stdin: TextIO | None) -> Iterator[Iterable[bytes]]:
    """The lines of `source` as bytes, read as they come ("-": `stdin`, default sys.stdin)."""
    if source == "-":
        stream = stdin if stdin is not None else sys.stdin
        buffer = getattr(stream, "buffer", None)
        yield buffer if buffer is not None else (line.encode() for line in stream)
        return
    with open(source, "rb") as f:
        yield f


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
