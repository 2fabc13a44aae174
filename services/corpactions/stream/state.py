"""Per-partition service state and its changelog encoding.

The state of one input partition is what its resolutions built: each corporate action's
latest version (by ``event_id``) with its pending and fired dates, and each security's
dividend history for fiscal roll-ups. It lives in memory and in a compacted changelog
topic partitioned like the input, written in the same Kafka transaction as the outputs
and the consumer offsets, so state, events and progress move together or not at all.
Timers are not stored separately: they are derived from the actions on restore.

A worker holds up to millions of actions for as long as it runs, so the tables keep them
as plain tuples of atomic values (str, int, date, Decimal), which CPython's cyclic GC
stops tracking: its full passes otherwise walked every stored object, pausing the worker
for a time that grew with the number of actions held.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import OrderedDict
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from pydantic_core import from_json, to_json

from corpactions.domain import DividendHistory, DividendType, EntryStatus, PastDividend

ACTION_PREFIX = "a:"
HISTORY_PREFIX = "h:"
OFFSET_KEY = b"o:"  # the next input offset to process, written with the outputs it led to
RECORD = "record"
PAYMENT = "payment"


@dataclass(frozen=True, slots=True)
class Action:
    """One corporate action as the service last accepted it."""

    event_id: str
    security_key: str
    version: int
    function: str
    message_ids: tuple[str, ...]
    resolution: str | None  # the latest valid resolution, JSON as received
    record_due: dt.datetime | None = None
    payment_due: dt.datetime | None = None
    record_fired: dt.datetime | None = None  # the due time whose event was emitted
    payment_fired: dt.datetime | None = None
    # the primary market (its time zone places the dates); None in records written before
    # it was kept (read from the resolution then, see `Lifecycle.redue`)
    mic: str | None = None

    @property
    def cancelled(self) -> bool:
        return self.function in {"CANC", "WITH"}

    def due(self, kind: str) -> dt.datetime | None:
        return self.record_due if kind == RECORD else self.payment_due

    def fired(self, kind: str) -> dt.datetime | None:
        return self.record_fired if kind == RECORD else self.payment_fired

    @property
    def paid(self) -> bool:
        """The payment date fired: it never fires again, whatever its due says now (a
        state written before issue 15 may hold a paid date that a REPL moved)."""
        return self.payment_fired is not None

    def pending(self) -> list[tuple[dt.datetime, str]]:
        """(due, kind) of the dates still to fire."""
        if self.cancelled:
            return []
        out = []
        for kind in (RECORD, PAYMENT):
            due = self.due(kind)
            if due is not None and due != self.fired(kind) and not (kind == PAYMENT and self.paid):
                out.append((due, kind))
        return out

    def row(self) -> tuple[Any, ...]:
        """The fields as a plain tuple, in order (``Action(*row)`` rebuilds it)."""
        return (
            self.event_id,
            self.security_key,
            self.version,
            self.function,
            self.message_ids,
            self.resolution,
            self.record_due,
            self.payment_due,
            self.record_fired,
            self.payment_fired,
            self.mic,
        )

    def mark_fired(self, kind: str, due: dt.datetime) -> Action:
        if kind == RECORD:
            return replace(self, record_fired=due)
        return replace(self, payment_fired=due)

    def encode(self) -> bytes:
        """The changelog value: the action's fields as one line of JSON, a newline, then
        the resolution exactly as received (JSON never holds a raw newline, so the first
        one ends the header; the resolution is not escaped into a JSON string, which
        cost more than everything else here)."""

        header = to_json(
            [
                self.event_id,
                self.security_key,
                self.version,
                self.function,
                self.message_ids,
                self.record_due,
                self.payment_due,
                self.record_fired,
                self.payment_fired,
                self.resolution is not None,
                self.mic,
            ]
        )
        if self.resolution is None:
            return header + b"\n"
        return header + b"\n" + self.resolution.encode()

    @classmethod
    def decode(cls, raw: bytes) -> Action:
        def ts(v: str | None) -> dt.datetime | None:
            return dt.datetime.fromisoformat(v) if v else None

        header, _, body = raw.partition(b"\n")
        fields = from_json(header)
        # 10 fields before issue 15; the market's MIC was appended then
        (event_id, security_key, version, function, message_ids, *dues, has_resolution) = fields[
            :10
        ]
        mic = fields[10] if len(fields) > 10 else None
        record_due, payment_due, record_fired, payment_fired = map(ts, dues)
        return cls(
            event_id=event_id,
            security_key=security_key,
            version=version,
            function=function,
            message_ids=tuple(message_ids),
            resolution=body.decode() if has_resolution else None,
            record_due=record_due,
            payment_due=payment_due,
            record_fired=record_fired,
            payment_fired=payment_fired,
            mic=mic,
        )


def encode_history(entries: tuple[PastDividend, ...]) -> bytes:
    return to_json(
        [
            {
                "fiscal_year_end": e.fiscal_year_end,
                "dividend_type": e.dividend_type.value,
                "amount_per_share": str(e.amount_per_share),
                "currency": e.currency,
                "status": e.status.value,
                "record_date": e.record_date,
                "event_id": e.event_id,
                "disclosed_on": e.disclosed_on,
            }
            for e in entries
        ]
    )


def decode_history(raw: bytes) -> tuple[PastDividend, ...]:
    def day(v: str | None) -> dt.date | None:
        return dt.date.fromisoformat(v) if v else None

    items: list[dict[str, Any]] = from_json(raw)
    return tuple(
        PastDividend(
            fiscal_year_end=dt.date.fromisoformat(d["fiscal_year_end"]),
            dividend_type=DividendType(d["dividend_type"]),
            amount_per_share=Decimal(d["amount_per_share"]),
            currency=d["currency"],
            status=EntryStatus(d["status"]),
            record_date=day(d["record_date"]),
            event_id=d["event_id"],
            disclosed_on=day(d["disclosed_on"]),
        )
        for d in items
    )


class ActionTable(MutableMapping[str, Action]):
    """event_id -> Action, stored as `Action.row` tuples (invisible to the cyclic GC)."""

    __slots__ = ("_rows",)

    def __init__(self) -> None:
        self._rows: dict[str, tuple[Any, ...]] = {}

    def __getitem__(self, event_id: str) -> Action:
        return Action(*self._rows[event_id])

    def get(self, event_id: str, default: Any = None) -> Any:
        row = self._rows.get(event_id)
        return default if row is None else Action(*row)

    def __setitem__(self, event_id: str, action: Action) -> None:
        self._rows[event_id] = action.row()

    def __delitem__(self, event_id: str) -> None:
        del self._rows[event_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"ActionTable({len(self)} actions)"


def _history_row(e: PastDividend) -> tuple[Any, ...]:
    # enum members are GC-tracked objects: their values keep the tuple untracked
    return (*e[:1], e.dividend_type.value, *e[2:4], e.status.value, *e[5:])


def _past_dividend(row: tuple[Any, ...]) -> PastDividend:
    fy, kind, amount, currency, status, *rest = row
    return PastDividend(fy, DividendType(kind), amount, currency, EntryStatus(status), *rest)


_NO_HISTORY = DividendHistory(())
_TRACK = "\x00track"  # a key no event id or security key can be (see track_containers)


@dataclass
class PartitionState:
    """The in-memory state of one input partition, with a due-time heap for its timers.

    The heap holds (due, event_id, kind) and may contain stale entries (a date moved or
    an action was cancelled); they are checked against the action when popped, so a
    firing tick costs time proportional to what is due, never to what is pending.
    """

    actions: ActionTable = field(default_factory=ActionTable)
    # security -> its dividends as `_history_row` tuples; read through `history_of`
    history: dict[str, tuple[tuple[Any, ...], ...]] = field(default_factory=dict)
    _heap: list[tuple[dt.datetime, str, str]] = field(default_factory=list)
    # Where processing of the input partition resumes: the state, the outputs and this
    # offset commit in one transaction, so a new owner restores all three together.
    next_offset: int | None = None
    # Recently computed schedules by (event_id, version), so a date that falls due in the
    # batch that scheduled it does not recompute. Bounded: a cache, not state.
    schedule_cache: OrderedDict[tuple[str, int], Any] = field(default_factory=OrderedDict)
    schedule_cache_size: int = 4096

    def track_containers(self) -> None:
        """Make the state's dicts GC-tracked now, so that a `gc.freeze()` takes them.

        CPython does not track an empty dict, nor one holding only untracked values. Such
        a dict escapes a freeze, becomes tracked again with its next fresh row, and each
        full collection then walks every entry. A tracked value put in and taken out
        tracks it; frozen, it is never walked, however large it grows."""
        tracked: list[str] = []  # a list is always GC-tracked
        tables: tuple[dict[str, Any], ...] = (self.actions._rows, self.history)
        for table in tables:
            table[_TRACK] = tracked
            del table[_TRACK]

    def remember_schedule(self, event_id: str, version: int, schedule: Any) -> None:
        cache = self.schedule_cache
        cache[(event_id, version)] = schedule
        if len(cache) > self.schedule_cache_size:
            cache.popitem(last=False)

    # -- changelog ---------------------------------------------------------------------
    def apply_changelog(self, key: bytes, value: bytes | None) -> None:
        if key == OFFSET_KEY:
            self.next_offset = None if value is None else int(value)
            return
        k = key.decode()
        if k.startswith(ACTION_PREFIX):
            event_id = k[len(ACTION_PREFIX) :]
            if value is None:
                self.actions.pop(event_id, None)
            else:  # timers are rebuilt once restore is complete (rebuild_timers)
                self.actions[event_id] = Action.decode(value)
        elif k.startswith(HISTORY_PREFIX):
            security = k[len(HISTORY_PREFIX) :]
            if value is None:
                self.history.pop(security, None)
            else:
                self.history[security] = tuple(map(_history_row, decode_history(value)))

    # -- mutations (each returns the changelog record that makes it durable) -------------
    def put_action(self, action: Action) -> tuple[bytes, bytes]:
        self.actions[action.event_id] = action
        for due, kind in action.pending():
            heapq.heappush(self._heap, (due, action.event_id, kind))
        return (ACTION_PREFIX + action.event_id).encode(), action.encode()

    def put_history(self, security: str, entries: tuple[PastDividend, ...]) -> tuple[bytes, bytes]:
        self.history[security] = tuple(map(_history_row, entries))
        return (HISTORY_PREFIX + security).encode(), encode_history(entries)

    def put_next_offset(self, offset: int) -> tuple[bytes, bytes]:
        self.next_offset = offset
        return OFFSET_KEY, str(offset).encode()

    def history_of(self, security: str) -> DividendHistory:
        rows = self.history.get(security)
        return DividendHistory(tuple(map(_past_dividend, rows))) if rows else _NO_HISTORY

    # -- timers ------------------------------------------------------------------------
    @property
    def timer_backlog(self) -> int:
        """Heap entries (an upper bound on pending dates; stale entries are dropped lazily)."""
        return len(self._heap)

    def next_due(self) -> dt.datetime | None:
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: dt.datetime) -> list[tuple[Action, str, dt.datetime]]:
        """Every (action, kind, due) due at ``now`` that has not fired, earliest first."""
        out: list[tuple[Action, str, dt.datetime]] = []
        seen: set[tuple[str, str]] = set()
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, event_id, kind = heapq.heappop(heap)
            action = self.actions.get(event_id)
            if action is None or action.cancelled or (event_id, kind) in seen:
                continue
            if action.due(kind) != due or action.fired(kind) == due:
                continue  # moved, or already fired: a stale heap entry
            if kind == PAYMENT and action.paid:
                continue  # paid once: never again
            seen.add((event_id, kind))
            out.append((action, kind, due))
        return out

    def overdue(self, now: dt.datetime) -> tuple[int, dt.datetime | None]:
        """The dates due at ``now`` that have not fired (count, earliest due), without
        popping: the heap is walked only through entries due by ``now``, so this costs
        what is overdue, not what is pending. Stale entries are skipped as `pop_due`
        skips them."""
        heap = self._heap
        count, oldest = 0, None
        seen: set[tuple[str, str]] = set()
        stack = [0] if heap else []
        while stack:
            i = stack.pop()
            due, event_id, kind = heap[i]
            if due > now:
                continue  # and so are its children
            stack += [c for c in (2 * i + 1, 2 * i + 2) if c < len(heap)]
            action = self.actions.get(event_id)
            if action is None or action.cancelled or (event_id, kind) in seen:
                continue
            if action.due(kind) != due or action.fired(kind) == due:
                continue
            seen.add((event_id, kind))
            count += 1
            oldest = due if oldest is None or due < oldest else oldest
        return count, oldest

    def rebuild_timers(self, redue: Callable[[Action], Action] | None = None) -> None:
        """The timers of every action, once restore is complete. ``redue`` places an
        action's pending dates by the settings in force now (`Lifecycle.redue`); one pass
        over the rows, each action built once (restore time is ready time)."""
        heap: list[tuple[dt.datetime, str, str]] = []
        rows = self.actions._rows
        for event_id, row in rows.items():  # replacing a value keeps the dict's size
            action = Action(*row)
            if redue is not None:
                moved = redue(action)
                if moved is not action:
                    rows[event_id] = moved.row()
                    action = moved
            for due, kind in action.pending():
                heap.append((due, event_id, kind))
        heapq.heapify(heap)
        self._heap = heap
