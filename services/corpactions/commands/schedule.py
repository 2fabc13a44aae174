"""`corpactions schedule [--format json|seev031] FILE`: one board resolution's schedule,
or its ISO 20022 notification, no Kafka.

FILE holds one board resolution as JSON (`corporate-actions.board-resolutions.v1`);
"-" reads standard input.

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
- 1: FILE could not be read.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from pydantic import ValidationError

from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.schedule import compute_schedule
from corpactions.domain import DomainRejected

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
    return print_schedule(args.file, sys.stdout, sys.stderr, fmt=args.format)


def print_schedule(
    source: str,
    stdout: TextIO,
    stderr: TextIO,
    stdin: TextIO | None = None,
    fmt: str = "json",
) -> int:
    """Schedule the resolution in `source` ("-" = `stdin`, default sys.stdin); print the
    schedule (``fmt`` "json") or its ISO 20022 notification ("seev031")."""
    try:
        data = _read(source, stdin)
    except OSError as e:
        print(f"unreadable {source}: {e.strerror or e}", file=stderr)
        return EXIT_UNREADABLE
    try:
        resolution = BoardResolution.model_validate_json(data)
    except ValidationError as e:
        for error in e.errors(include_url=False):
            field = ".".join(str(part) for part in error["loc"]) or "-"
            print(f"{error['type']} {field}: {error['msg']}", file=stderr)
        return EXIT_INVALID
    if fmt == "seev031":
        return _print_notification(resolution, stdout, stderr)
    try:
        schedule = compute_schedule(resolution)
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
            ex_date = schedule_dividend(resolution).primary.dates.ex_date
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
