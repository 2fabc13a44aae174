"""`corpactions dlq list|replay`: the dead letters, counted by reason; sending them back.

``list`` prints the count of each reason (``--json``: one JSON object per letter);
``replay`` sends the chosen letters back to the topic they came from (see
``ops/dlq.py``). Both take the same choice: ``--reason`` codes (checked against
`DeadLetterCode`), ``--since``/``--until`` (a time, a duration ago, or a DLQ offset),
``--partition`` of the DLQ topic and, for replay, ``--limit``. Replay shows its
progress on stderr (a bar on a terminal, else a line every few seconds) and prints a
summary (``--json``: one JSON object).

Exit status: 0 done; 1 replay matched nothing, or nothing it matched could be replayed
(so a mistyped range or a letter-less run is seen by a script); 2 bad arguments; 3
Kafka unreachable or its settings unusable. Errors are one line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import IO, Any

from aiokafka.errors import KafkaError

from corpactions.broker.local import BrokerError
from corpactions.contracts.events import DeadLetterCode
from corpactions.ops.access import KafkaAccessError, check_login
from corpactions.ops.dlq import (
    Range,
    ReplayResult,
    Selection,
    StoredLetter,
    parse_when,
    read_letters,
    replay,
)
from corpactions.ops.kafka_config import ConfigError, resolve
from corpactions.settings import Settings, SettingsError
from corpactions.stream.startup import CannotStart, diagnose

DONE, NOTHING, USAGE, UNAVAILABLE = 0, 1, 2, 3
PROGRESS_EVERY_S = 5.0  # periodic progress lines when stderr is not a terminal
CODES = tuple(c.value for c in DeadLetterCode)


class _Usage(ValueError):
    pass


@dataclass(frozen=True)
class Choice:
    """What the flags choose: the letters' range in the topic, the selection, a limit."""

    where: Range
    selection: Selection
    limit: int | None


def choice(args: argparse.Namespace, now: dt.datetime) -> Choice:
    """The flags as a `Choice`, or `_Usage` naming the flag that is wrong."""
    unknown = [r for r in args.reason or () if r not in CODES]
    if unknown:
        raise _Usage(f"--reason {unknown[0]!r} is not a reason code: use {', '.join(CODES)}")
    if args.action == "replay" and not (args.reason or args.all):
        raise _Usage("name the --reason(s) to replay, or --all")
    if args.action == "list" and (args.limit is not None or args.rekey or args.dry_run):
        raise _Usage("--limit, --rekey and --dry-run are for replay")
    bounds: dict[str, int | dt.datetime | None] = {}
    for flag in ("since", "until"):
        raw = getattr(args, flag)
        try:
            bounds[flag] = None if raw is None else parse_when(raw, now)
        except ValueError as exc:
            raise _Usage(f"--{flag}: {exc}") from None
    since, until = bounds["since"], bounds["until"]
    offsets = {k: v for k, v in bounds.items() if isinstance(v, int)}
    times = {k: v for k, v in bounds.items() if isinstance(v, dt.datetime)}
    if len(offsets) == 2 and offsets["until"] <= offsets["since"]:
        raise _Usage(f"--until {until} is not after --since {since}: nothing is in range")
    if len(times) == 2 and times["until"] <= times["since"]:
        raise _Usage(f"--until {args.until} is not after --since {args.since}")
    return Choice(
        Range(args.partition, offsets.get("since"), offsets.get("until")),
        Selection(frozenset(args.reason or ()), times.get("since"), times.get("until")),
        args.limit,
    )


def _say(message: str) -> None:
    sys.stderr.write(f"corpactions dlq: {message}\n")


def run(args: argparse.Namespace) -> int:
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # its errors are ours to say
    try:
        chosen = choice(args, dt.datetime.now(dt.UTC))
    except _Usage as exc:
        _say(f"error: {exc}")
        return USAGE
    try:
        settings = Settings.from_env()
        conn = resolve(settings, args.bootstrap_server, args.command_config)
    except (SettingsError, ConfigError) as exc:  # a variable or a property: configuration
        _say(str(exc))
        return USAGE
    except BrokerError as exc:  # no Kafka named and no local broker running
        _say(str(exc))
        return UNAVAILABLE
    for warning in conn.warnings:
        _say(warning)
    try:  # a refused login or certificate: one line naming why
        asyncio.run(check_login(conn.bootstrap_servers, settings.security, conn.client_options))
    except KafkaAccessError as exc:
        _say(str(exc))
        return UNAVAILABLE
    dlq_topic = settings.topics.dead_letters
    unreadable: Counter[str] = Counter()
    try:
        if args.action == "list":
            letters = read_letters(
                conn.bootstrap_servers, dlq_topic, conn.client_options, unreadable, chosen.where
            )
            asyncio.run(_list(letters, chosen.selection, dlq_topic, unreadable, args.json))
            return DONE
        progress = _progress(sys.stderr)
        letters = read_letters(
            conn.bootstrap_servers,
            dlq_topic,
            conn.client_options,
            unreadable,
            chosen.where,
            progress,
        )
        tally = _Tally()
        try:
            result = asyncio.run(
                replay(
                    conn.bootstrap_servers,
                    _chosen(letters, chosen, tally),
                    dlq_topic,
                    conn.client_options,
                    args.rekey,
                    args.dry_run,
                )
            )
        finally:
            progress.close()
    except (KafkaError, OSError) as exc:
        found = asyncio.run(diagnose(conn.bootstrap_servers, conn.client_options, 10.0))
        if isinstance(found, CannotStart):  # a refused login or TLS: say so
            _say(str(found))
            return UNAVAILABLE
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        _say(f"cannot use Kafka at {conn.bootstrap_servers}: {why}")
        return UNAVAILABLE
    summary = _summary(result, tally, unreadable, chosen, args)
    if args.json:
        sys.stdout.write(json.dumps(summary) + "\n")
    else:
        _print_replayed(result, tally, args.dry_run, sys.stdout)
    return DONE if result.replayed.total() else NOTHING


async def _list(
    letters: AsyncGenerator[StoredLetter, None],
    selection: Selection,
    dlq_topic: str,
    unreadable: Counter[str],
    as_json: bool,
    out: IO[str] = sys.stdout,
) -> None:
    """The count of each reason, or (``as_json``) a JSON list, one letter a line."""
    counts: Counter[str] = Counter()
    if as_json:
        out.write("[")
    async with contextlib.aclosing(letters):
        async for x in letters:
            if not selection.matches(x):
                continue
            if as_json:
                out.write(("\n" if not counts.total() else ",\n") + json.dumps(x.summary()))
            counts[x.reason] += 1
    if as_json:
        out.write("\n]\n")
        return
    out.write(f"{dlq_topic}: {counts.total()} dead letters\n")
    for reason, n in counts.most_common():
        out.write(f"  {reason:<24} {n}\n")
    if unreadable:
        out.write(f"  (not dead letters: {unreadable.total()} records)\n")


@dataclass
class _Tally:
    read: int = 0  # letters in range
    matched: int = 0  # of them, chosen (and within --limit)
    seen: Counter[str] | None = None


async def _chosen(
    letters: AsyncGenerator[StoredLetter, None], chosen: Choice, tally: _Tally
) -> AsyncIterator[StoredLetter]:
    """The letters ``chosen`` takes, the first ``limit`` of them; reading stops there."""
    tally.seen = Counter()
    async with contextlib.aclosing(letters):
        async for x in letters:
            tally.read += 1
            tally.seen[x.reason] += 1
            if not chosen.selection.matches(x):
                continue
            tally.matched += 1
            yield x
            if chosen.limit is not None and tally.matched >= chosen.limit:
                return


def _summary(
    result: ReplayResult,
    tally: _Tally,
    unreadable: Counter[str],
    chosen: Choice,
    args: argparse.Namespace,
) -> dict[str, Any]:
    sel, where = chosen.selection, chosen.where
    return {
        "dry_run": bool(args.dry_run),
        "read": tally.read,
        "matched": tally.matched,
        "replayed": result.replayed.total(),
        "replayed_by_reason": dict(result.replayed.most_common()),
        "skipped": dict(result.skipped.most_common()),
        "not_dead_letters": unreadable.total(),
        "reasons": sorted(sel.reasons) or None,
        "since": sel.since.isoformat() if sel.since else where.from_offset,
        "until": sel.until.isoformat() if sel.until else where.to_offset,
        "partition": where.partition,
        "limit": chosen.limit,
    }


def _print_replayed(result: ReplayResult, tally: _Tally, dry_run: bool, out: IO[str]) -> None:
    verb = "would replay" if dry_run else "replayed"
    by_reason = ", ".join(f"{r} {n}" for r, n in result.replayed.most_common()) or "none"
    out.write(f"{verb} {result.replayed.total()} of {tally.read} ({by_reason})\n")
    if result.skipped:
        skipped = ", ".join(f"{why} {n}" for why, n in result.skipped.most_common())
        out.write(f"skipped: {skipped}\n")
    if not tally.matched:
        out.write("no letter matched the --reason/--since/--until/--partition given\n")


class _Progress:
    """How far a replay has read: a bar on a terminal, else a line every few seconds."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.total = 0
        self.done = 0
        self._last = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        if out.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            self._bar = Progress(
                "replaying dead letters",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(file=out),
                transient=True,
            )

    def started(self, total: int) -> None:
        self.total = total
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task("replay", total=total)
        else:
            self.out.write(f"corpactions dlq: reading {total} records of the DLQ topic\n")

    def advanced(self, done: int) -> None:
        self.done = done
        if self._bar is not None:
            self._bar.update(self._task, completed=done)
        elif time.monotonic() - self._last >= PROGRESS_EVERY_S:
            self._last = time.monotonic()
            share = 100 * done / self.total if self.total else 100.0
            self.out.write(f"corpactions dlq: read {done}/{self.total} records ({share:.0f}%)\n")
            self.out.flush()

    def close(self) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.stop()


def _progress(out: IO[str]) -> _Progress:
    return _Progress(out)
