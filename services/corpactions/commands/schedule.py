"""`corpactions schedule FILE`: print the schedule of one board resolution, no Kafka.

FILE holds one board resolution as JSON (`corporate-actions.board-resolutions.v1`);
"-" reads standard input.

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
    return print_schedule(args.file, sys.stdout, sys.stderr)


def print_schedule(source: str, stdout: TextIO, stderr: TextIO, stdin: TextIO | None = None) -> int:
    """Schedule the resolution in `source` ("-" = `stdin`, default sys.stdin)."""
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
    try:
        schedule = compute_schedule(resolution)
    except DomainRejected as e:
        for reason in e.reasons:
            print(f"{reason.code.value} {reason.field}: {reason.message}", file=stderr)
        return EXIT_INVALID
    stdout.write(schedule.model_dump_json(indent=2))
    stdout.write("\n")
    return EXIT_OK
