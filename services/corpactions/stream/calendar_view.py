"""The corporate-actions calendar: which record and payment dates fall on which day.

``/calendar`` (HTML), ``/calendar.json`` and ``/calendar.ics`` answer for the whole
group, as the other views do (stream/web.py): the worker asked collects the entries of
its own partitions and asks every other worker for theirs (``scope=local``), in
parallel; when one cannot answer in full the reply is 503, never a calendar that would
look complete. The dead letters of the last 24 hours come from the DLQ topic, read by
`DeadLetterDigest`: bounded, cached and refreshed in the background.

Read-only: nothing here writes to Kafka or the state. Rendering is in
``calendar_render.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import ValidationError
from pydantic_core import from_json

from corpactions.contracts.events import DeadLetter
from corpactions.domain.fiscal import DividendType
from corpactions.ops.aiokafka_private import partitions_of
from corpactions.stream.state import PAYMENT, RECORD, Action, PartitionState

if TYPE_CHECKING:
    from corpactions.stream.engine import Engine

log = logging.getLogger(__name__)

DEFAULT_DAYS = 7  # today and the next 7 days
MAX_DAYS = 366  # a longer span is refused: a page is a calendar, not an export
KINDS = (RECORD, PAYMENT)
DIVIDEND_TYPES = tuple(t.value for t in DividendType)
_ISIN = re.compile(r"[A-Z]{2}[A-Z0-9]{9}[0-9]")
_MIC = re.compile(r"[A-Z0-9]{4}")


class BadQuery(ValueError):
    """A query parameter that cannot be used; the message is one line naming it."""


@dataclass(frozen=True)
class CalendarQuery:
    """The filters, the same on every format: days ``[start, end]`` (both included, each
    in the market's own zone), and optionally a MIC, an ISIN, an issuer (a case-blind
    part of its name) and a type (a date kind or a dividend type)."""

    start: dt.date
    end: dt.date
    mic: str | None = None
    isin: str | None = None
    issuer: str | None = None
    type: str | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str], today: dt.date) -> CalendarQuery:
        known = {"from", "to", "mic", "isin", "issuer", "type"}
        unknown = sorted(set(params) - known)
        if unknown:
            raise BadQuery(f"unknown parameter {unknown[0]!r}: use {', '.join(sorted(known))}")

        def day(name: str, default: dt.date) -> dt.date:
            raw = params.get(name, "").strip()
            if not raw:
                return default
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                raise BadQuery(f"{name}={raw!r} is not an ISO date (YYYY-MM-DD)") from None

        start = day("from", today)
        end = day("to", start + dt.timedelta(days=DEFAULT_DAYS))
        if end < start:
            raise BadQuery(f"to={end} is before from={start}")
        if (end - start).days >= MAX_DAYS:
            raise BadQuery(f"from={start} to={end} spans over {MAX_DAYS} days: ask for less")
        mic = params.get("mic", "").strip().upper() or None
        if mic is not None:
            _check_mic(mic)
        isin = params.get("isin", "").strip().upper() or None
        if isin is not None and not _ISIN.fullmatch(isin):
            raise BadQuery(
                f"isin={isin!r} is not an ISIN (2 letters, 9 letters or digits, 1 digit)"
            )
        issuer = params.get("issuer", "").strip() or None
        kind = params.get("type", "").strip().lower() or None
        if kind is not None and kind not in KINDS + DIVIDEND_TYPES:
            raise BadQuery(f"type={kind!r} is not one of {', '.join(KINDS + DIVIDEND_TYPES)}")
        return cls(start, end, mic, isin, issuer, kind)

    def params(self) -> dict[str, str]:
        """The query as parameters (for links and for asking the other workers)."""
        out = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        for name in ("mic", "isin", "issuer", "type"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    def query_string(self, **extra: str) -> str:
        return urllib.parse.urlencode({**self.params(), **extra})

    def selects(self, entry: Mapping[str, Any]) -> bool:
        """Whether an entry passes the filters other than its day."""
        if self.mic is not None and entry["mic"] != self.mic:
            return False
        if self.isin is not None and entry["isin"] != self.isin:
            return False
        if self.issuer is not None and self.issuer.casefold() not in entry["issuer"].casefold():
            return False
        return self.type is None or self.type in (entry["kind"], entry["dividend_type"])


def _check_mic(mic: str) -> None:
    """A MIC ISO 10383 knows (active or expired), else `BadQuery`."""
    from corpactions.domain.markets import iso10383_operating_mics

    if not _MIC.fullmatch(mic) or mic not in iso10383_operating_mics():
        raise BadQuery(f"mic={mic!r} is not an ISO 10383 market identifier code")


def _resolution(action: Action) -> dict[str, Any]:
    """The action's resolution as JSON data ({} when none is held: a cancellation that
    came first). A held resolution may be kept compressed (``resolution_json``)."""
    raw = getattr(action, "resolution_json", action.resolution)
    if not raw:
        return {}
    try:
        data = from_json(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


_ZONES: dict[str, Any] = {}


def _zone(mic: str | None) -> Any:
    """The market's time zone, from its exchange calendar (UTC for a MIC it lacks)."""
    if mic is None:
        return dt.UTC
    tz = _ZONES.get(mic)
    if tz is None:
        from corpactions.domain import calendar_index

        try:
            tz = calendar_index(mic).tz
        except (LookupError, ValueError):
            tz = dt.UTC
        _ZONES[mic] = tz
    return tz


def _status(action: Action, kind: str, due: dt.datetime) -> tuple[str, dt.datetime | None]:
    """pending, fired (a record date, with the due time it fired for), paid (a payment
    date that fired), cancelled; as the lifecycle decides what fires (`Action.pending`)."""
    if kind == PAYMENT and action.paid:
        return "paid", action.payment_fired
    if kind == RECORD and action.record_fired == due:
        return "fired", action.record_fired
    if action.cancelled:
        return "cancelled", None
    return "pending", None


_SUMMARIES: dict[tuple[str, int, str], dict[str, Any]] = {}
_SUMMARIES_MAX = 200_000  # a cache: emptied when full


def _summary(action: Action) -> dict[str, Any]:
    """What the calendar shows of an action's resolution, read once per version (the
    page reloads every minute, mostly on the same actions)."""
    key = (action.event_id, action.version, action.function)
    found = _SUMMARIES.get(key)
    if found is None:
        resolution = _resolution(action)
        security = resolution.get("security") or {}
        found = {
            "isin": security.get("isin"),
            "local_code": security.get("local_code"),
            "mic": security.get("mic"),
            "issuer": str((resolution.get("issuer") or {}).get("name", "")),
            "dividend_type": resolution.get("dividend_type"),
            "amount": resolution.get("gross_amount_per_share"),  # a decimal string
            "currency": resolution.get("currency"),
        }
        if len(_SUMMARIES) >= _SUMMARIES_MAX:
            _SUMMARIES.clear()
        _SUMMARIES[key] = found
    return found


def entries_of(
    action: Action, partition: int, query: CalendarQuery, now: dt.datetime
) -> list[dict[str, Any]]:
    """The calendar entries of one action that fall in the query's days and filters."""
    out: list[dict[str, Any]] = []
    for kind in KINDS:
        due = action.due(kind)
        if due is None:
            continue
        summary = _summary(action)
        mic = action.mic or summary["mic"]
        tz = _zone(mic)
        local = due.astimezone(tz)
        status, fired_at = _status(action, kind, due)
        overdue = status == "pending" and due <= now
        if not (query.start <= local.date() <= query.end) and not overdue:
            continue
        entry = {
            **summary,
            "day": local.date().isoformat(),
            "kind": kind,
            "event_id": action.event_id,
            "security_key": action.security_key,
            "mic": mic,
            "version": action.version,
            "status": status,
            "fired_at": fired_at.isoformat() if fired_at else None,
            "due_at": due.astimezone(dt.UTC).isoformat(),
            "due_local": local.isoformat(),
            "time_zone": str(tz),
            "overdue": overdue,
            "in_range": query.start <= local.date() <= query.end,
            "partition": partition,
            "links": {
                "action": f"/actions/{urllib.parse.quote(action.event_id, safe='')}/",
                # no view serves an action's ISO 20022 document yet
                "iso20022": None,
            },
        }
        if query.selects(entry):
            out.append(entry)
    return out


CHUNK = 20_000  # rows handled between two yields to the event loop


async def local_entries(
    partitions: Mapping[int, PartitionState], query: CalendarQuery, now: dt.datetime
) -> tuple[list[dict[str, Any]], int]:
    """The entries of this worker's partitions, and their overdue count (the figure of
    ``corpactions_timers_overdue``: `PartitionState.overdue`). Only the actions due on
    the days asked (the state's index by due day, `PartitionState.on_days`) and the
    overdue ones (its timer heap) are read, never every action held; they are walked in
    chunks, yielding between them."""
    out: list[dict[str, Any]] = []
    overdue = 0
    # a day in any market's zone lies within a day of the same day in UTC (UTC-12..+14)
    first, last = query.start - dt.timedelta(days=1), query.end + dt.timedelta(days=1)
    for partition, state in sorted(partitions.items()):
        overdue += state.overdue(now)[0]
        ids = dict.fromkeys(state.on_days(first, last))
        ids.update(dict.fromkeys(state.overdue_ids(now)))
        rows = state.actions._rows
        held = [row for row in map(rows.get, ids) if row is not None]
        for i in range(0, len(held), CHUNK):
            for row in held[i : i + CHUNK]:
                out += entries_of(Action(*row), partition, query, now)
            await asyncio.sleep(0)
    return limit_overdue(out), overdue


OVERDUE_LISTED = 200  # overdue dates before the days asked: the earliest, at most


def limit_overdue(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries in range, and the `OVERDUE_LISTED` earliest overdue ones before it (a
    worker that was stopped for long may hold very many: their count is the figure)."""
    inside = [e for e in entries if e["in_range"]]
    before = sorted((e for e in entries if not e["in_range"]), key=lambda e: e["due_at"])
    return inside + before[:OVERDUE_LISTED]


def sort_entries(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda e: (e["day"], e["due_at"], e["event_id"], e["kind"]))


# -- dead letters ------------------------------------------------------------------------

DLQ_WINDOW = dt.timedelta(hours=24)
DLQ_MAX_PER_PARTITION = 2_000  # the newest letters read from each DLQ partition, at most
DLQ_TTL_S = 60.0  # a digest is read again at most this often
DLQ_READ_TIMEOUT_S = 10.0
DLQ_SHOWN_PER_REASON = 20


@dataclass
class Digest:
    """The dead letters of a window, by reason: their count and the newest of them."""

    read_at: dt.datetime
    since: dt.datetime
    by_reason: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    truncated: bool = False  # a partition held more than DLQ_MAX_PER_PARTITION in range
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "read_at": self.read_at.isoformat(),
            "since": self.since.isoformat(),
            "counts": dict(sorted(self.counts.items())),
            "truncated": self.truncated,
            "error": self.error,
            "reasons": [
                {
                    "reason": reason,
                    "count": self.counts[reason],
                    "replay": replay_command(reason, since=self.since),
                    "letters": letters,
                }
                for reason, letters in sorted(self.by_reason.items())
            ],
        }


def replay_command(
    reason: str,
    since: dt.datetime | None = None,
    partition: int | None = None,
    offset: int | None = None,
) -> str:
    """The `corpactions dlq replay` command line for a reason's letters since a time, or
    for one letter (its DLQ partition and offset)."""
    if partition is not None and offset is not None:
        return (
            f"corpactions dlq replay --reason {reason} --partition {partition} "
            f"--since {offset} --until {offset + 1}"
        )
    stamp = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if since else "24h"
    return f"corpactions dlq replay --reason {reason} --since {stamp}"


class DeadLetterDigest:
    """The DLQ's last 24 hours, read at most every `DLQ_TTL_S` and never on a page view's
    path: a view takes the digest at hand and, when it is old, starts a refresh in the
    background (awaited, up to `DLQ_READ_TIMEOUT_S`, only the very first time). A read
    starts at the offsets of 24 hours ago (``offsets_for_times``), at most
    `DLQ_MAX_PER_PARTITION` before each partition's end, and stops at the end offsets
    it found: bounded whatever the topic holds."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        client_options: Mapping[str, Any],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.bootstrap, self.topic = bootstrap, topic
        self.client_options = dict(client_options)
        self.clock = clock
        self.digest: Digest | None = None
        self._read_mono = 0.0
        self._task: asyncio.Task[None] | None = None

    async def get(self) -> Digest | None:
        stale = self.digest is None or time.monotonic() - self._read_mono > DLQ_TTL_S
        if stale and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._refresh())
        if self.digest is None and self._task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), DLQ_READ_TIMEOUT_S)
        return self.digest

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _refresh(self) -> None:
        now = self.clock()
        since = now - DLQ_WINDOW
        try:
            digest = await asyncio.wait_for(self.read(since, now), DLQ_READ_TIMEOUT_S)
        except (KafkaError, OSError, TimeoutError) as exc:
            log.warning("calendar: reading the dead letters failed: %r", exc)
            digest = Digest(now, since, error=f"the DLQ topic could not be read: {exc!r}")
            if self.digest is not None:  # keep the last good one, saying it is old
                digest = Digest(
                    self.digest.read_at,
                    self.digest.since,
                    self.digest.by_reason,
                    self.digest.counts,
                    self.digest.truncated,
                    digest.error,
                )
        self.digest, self._read_mono = digest, time.monotonic()

    async def read(self, since: dt.datetime, now: dt.datetime) -> Digest:
        digest = Digest(now, since)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            **self.client_options,
            isolation_level="read_committed",
            enable_auto_commit=False,
            max_poll_records=500,
        )
        await consumer.start()
        try:
            parts = await partitions_of(consumer, self.topic)
            tps = [TopicPartition(self.topic, p) for p in sorted(parts)]
            if not tps:
                return digest
            consumer.assign(tps)
            ends = await consumer.end_offsets(tps)
            firsts = await consumer.beginning_offsets(tps)
            at = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in tps})
            start = {}
            for tp in tps:
                found = at.get(tp)
                begin = ends[tp] if found is None else found.offset
                floor = max(firsts[tp], ends[tp] - DLQ_MAX_PER_PARTITION)
                digest.truncated |= begin < floor
                start[tp] = max(begin, floor)
            tps = [tp for tp in tps if start[tp] < ends[tp]]
            for tp in tps:
                consumer.seek(tp, start[tp])
            letters: list[dict[str, Any]] = []
            while tps:
                batch = await consumer.getmany(*tps, timeout_ms=1000)
                for tp, records in batch.items():
                    for r in records:
                        if r.offset < ends[tp]:
                            letters += _letter(tp.partition, r.offset, r.value, since)
                done = [tp for tp in tps if await consumer.position(tp) >= ends[tp]]
                tps = [tp for tp in tps if tp not in done]
                await asyncio.sleep(0)
        finally:
            await consumer.stop()
        letters.sort(key=lambda x: x["rejected_at"], reverse=True)  # newest first
        for x in letters:
            reason = x["reason"]
            digest.counts[reason] = digest.counts.get(reason, 0) + 1
            shown = digest.by_reason.setdefault(reason, [])
            if len(shown) < DLQ_SHOWN_PER_REASON:
                shown.append(x)
        return digest


def _letter(
    partition: int, offset: int, value: bytes | None, since: dt.datetime
) -> list[dict[str, Any]]:
    try:
        x = DeadLetter.model_validate_json(value or b"")
    except ValidationError:
        return []
    at = x.rejected_at if x.rejected_at.tzinfo else x.rejected_at.replace(tzinfo=dt.UTC)
    if at < since:
        return []
    return [
        {
            "partition": partition,
            "offset": offset,
            "reason": str(x.reason.code.value),
            "message": x.reason.message,
            "source": f"{x.source_topic}/{x.source_partition}/{x.source_offset}",
            "rejected_at": at.astimezone(dt.UTC).isoformat(),
            "replay": replay_command(str(x.reason.code.value), partition=partition, offset=offset),
        }
    ]


def overdue_count(engine: Engine, now: dt.datetime) -> int:
    return sum(p.state.overdue(now)[0] for p in engine.partitions.values())
