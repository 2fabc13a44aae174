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
import sys
import zlib
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from operator import itemgetter
from typing import Any

from pydantic_core import from_json, to_json

from corpactions.domain import DividendHistory, DividendType, EntryStatus, PastDividend
from corpactions.domain.fiscal import fiscal_quarter, one_year_earlier

ACTION_PREFIX = "a:"
# A security's dividend history, one record per entry: ``h:<security>\x00e<event id>`` for
# a resolved dividend, ``h:<security>\x00f<fiscal year end>/<type>/<quarter>`` for the
# forecast of a period (one a period is held). v0.1.0 wrote the whole history as one
# record, ``h:<security>``: still read; the first change to that security after it
# supersedes it (a tombstone for it, then a record for each entry).
HISTORY_PREFIX = "h:"
ENTRY_SEPARATOR = "\x00"
OFFSET_KEY = b"o:"  # the next input offset to process, written with the outputs it led to
RECORD = "record"
PAYMENT = "payment"


# What a held resolution is compressed against (in memory only: the changelog keeps the
# JSON as received, so this may change from one version to the next): the contract's
# field names and common values. A resolution of ~520 bytes keeps ~115.
_ZDICT = (
    b'"eligible_shares": "declared_total": {"amount": "unit": 1000000, "rounding": "truncate"}'
    b'"book_closure": {"first_day": "last_day": "forecast_per_share": {"amount": '
    b'"disclosed_on": "other_listings": [{"mic": "XNAS", "symbol": "ADS", "shares_per_unit":'
    b' "0.5"}], "source_of_funds": "retained_earnings"}, "official_reference": "isin": '
    b'"currency": "JPY", "USD", "EUR", "GBP", "gross_amount_per_share": "record_date": '
    b'"payment_date": "dividend_type": "interim", "year_end", "quarterly", "regular", '
    b'"fiscal_year_end": "security": {"local_code": "mic": "XTKS"}, "XNYS"}, "issuer": '
    b'{"name": "Issuer "}, "resolved_on": "2026-"function": "NEWM", "REPL", "version": 1, '
    b'{"message_id": "event_id": "'
)


# Raw deflate, a 2 KiB window (a resolution is ~500 bytes, the dictionary ~600) and a
# small hash: the same size as the defaults here, for less to set up each time. The
# packer is primed with the dictionary once and copied for each resolution.
_WBITS = -11
# Fixed Huffman codes: ~3% larger than dynamic ones here, for about half the time.
_PACKER = zlib.compressobj(1, zlib.DEFLATED, _WBITS, 2, zlib.Z_FIXED, _ZDICT)


def pack(resolution: bytes) -> bytes:
    """A resolution's JSON as a held `Action` keeps it (raw deflate against `_ZDICT`)."""
    packer = _PACKER.copy()
    return packer.compress(resolution) + packer.flush()


def unpack(packed: bytes) -> bytes:
    """The resolution's JSON, byte for byte, from what `pack` made of it."""
    return zlib.decompressobj(_WBITS, _ZDICT).decompress(packed)


@dataclass(frozen=True, slots=True)
class Action:
    """One corporate action as the service last accepted it."""

    event_id: str
    security_key: str
    version: int
    function: str
    message_ids: tuple[str, ...]
    # the latest valid resolution, JSON as received, `pack`ed (a worker holds millions of
    # actions: compressed, it costs a fifth of its size); read through `resolution_json`
    resolution: bytes | None
    record_due: dt.datetime | None = None
    payment_due: dt.datetime | None = None
    record_fired: dt.datetime | None = None  # the due time whose event was emitted
    payment_fired: dt.datetime | None = None
    # the primary market (its time zone places the dates); None in records written before
    # it was kept (read from the resolution then, see `Lifecycle.redue`)
    mic: str | None = None

    @property
    def resolution_json(self) -> bytes | None:
        """The latest valid resolution, JSON as received."""
        return None if self.resolution is None else unpack(self.resolution)

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

    def encode(self, resolution_json: bytes | None = None) -> bytes:
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
        if resolution_json is None:  # the caller may have it at hand (see `put_action`)
            resolution_json = unpack(self.resolution)
        return header + b"\n" + resolution_json

    @classmethod
    def decode(cls, raw: bytes) -> Action:
        return _action(_decoded_row(None, raw))


# Instants held once, however many actions name them (a market's day at its configured
# time: a million timers share tens of thousands), looked up by their text (no parse).
_INSTANTS: dict[str, dt.datetime] = {}
_INSTANTS_HELD = 200_000  # a bound all the same


def _ts(v: str | None) -> dt.datetime | None:
    if not v:
        return None
    instant = _INSTANTS.get(v)
    if instant is None:
        instant = dt.datetime.fromisoformat(v)
        if len(_INSTANTS) < _INSTANTS_HELD:
            _INSTANTS[v] = instant
    return instant


def _decoded_row(event_id: str | None, raw: bytes) -> tuple[Any, ...]:
    """The `ActionTable` row of a changelog value (see `Action.encode`), built without the
    `Action`. ``event_id``: the record key's (the same text; the row and the table's key
    then share one string), else the header's."""
    header, _, body = raw.partition(b"\n")
    fields = from_json(header)
    # 10 fields before issue 15; the market's MIC was appended then
    (header_id, security_key, version, function, message_ids, *dues, has_resolution) = fields[:10]
    mic = fields[10] if len(fields) > 10 else None
    record_due, payment_due, record_fired, payment_fired = map(_ts, dues)
    return (
        header_id if event_id is None else event_id,
        sys.intern(security_key),  # the history's key is this string
        version,
        sys.intern(function),
        message_ids[0] if len(message_ids) == 1 else tuple(message_ids),
        pack(body) if has_resolution else None,
        record_due,
        payment_due,
        record_fired,
        payment_fired,
        None if mic is None else sys.intern(mic),
    )


def _stored(action: Action) -> tuple[Any, ...]:
    """How `ActionTable` holds an action: `Action.row`, with a single message id held as
    its string rather than in a tuple of one (48 bytes less per action held)."""
    row = action.row()
    ids = action.message_ids
    if len(ids) == 1:
        return (*row[:4], ids[0], *row[5:])
    return row


def _action(stored: tuple[Any, ...]) -> Action:
    """The `Action` a row of `ActionTable` holds (see `_stored`)."""
    ids = stored[4]
    if type(ids) is str:
        return Action(*(*stored[:4], (ids,), *stored[5:]))
    return Action(*stored)


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


_DAY_TEXTS: dict[str, dt.date] = {}


def _day_text(text: str | None) -> dt.date | None:
    """The (shared) day an ISO date names."""
    if not text:
        return None
    day = _DAY_TEXTS.get(text)
    if day is None:
        day = _day(dt.date.fromisoformat(text))
        assert day is not None
        if len(_DAY_TEXTS) < _DAYS_HELD:
            _DAY_TEXTS[text] = day
    return day


def _entry_row(raw: bytes, shared: Callable[[str], str] | None = None) -> tuple[Any, ...]:
    """The history row of a per-entry record (what `_history_row` makes of
    ``decode_history(raw)[0]``, without building the entry). ``shared``: the string to
    hold for an event id equal to it."""
    (d,) = from_json(raw)
    event_id = d["event_id"]
    if shared is not None and event_id is not None:
        event_id = shared(event_id)
    return (
        _day_text(d["fiscal_year_end"]),
        _KINDS[d["dividend_type"]].value,
        d["amount_per_share"],  # the text `_history_row` holds
        sys.intern(d["currency"]),
        _STATUSES[d["status"]].value,
        _day_text(d["record_date"]),
        event_id,
        _day_text(d["disclosed_on"]),
    )


class ActionTable(MutableMapping[str, Action]):
    """event_id -> Action, stored as `_stored` tuples (invisible to the cyclic GC)."""

    __slots__ = ("_rows",)

    def __init__(self) -> None:
        self._rows: dict[str, tuple[Any, ...]] = {}

    def __getitem__(self, event_id: str) -> Action:
        return _action(self._rows[event_id])

    def get(self, event_id: str, default: Any = None) -> Any:
        row = self._rows.get(event_id)
        return default if row is None else _action(row)

    def __setitem__(self, event_id: str, action: Action) -> None:
        self._rows[event_id] = _stored(action)

    def restore(self, event_id: str, raw: bytes) -> None:
        """Hold the action of a changelog value (``raw``, see `Action.encode`)."""
        self._rows[event_id] = _decoded_row(event_id, raw)

    def shared_id(self, event_id: str) -> str:
        """``event_id`` as the row of its action holds it (one string for both), if held."""
        row = self._rows.get(event_id)
        return event_id if row is None else row[0]

    def __delitem__(self, event_id: str) -> None:
        del self._rows[event_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"ActionTable({len(self)} actions)"


# Days and currency codes held once, however many rows name them (a worker holds a row
# per dividend; they share a few thousand days and a few dozen currencies)
_DAYS: dict[dt.date, dt.date] = {}
_DAYS_HELD = 200_000  # the contract's date range is far smaller; a bound all the same


def _day(day: dt.date | None) -> dt.date | None:
    if day is None:
        return None
    held = _DAYS.get(day)
    if held is None:
        if len(_DAYS) >= _DAYS_HELD:
            return day
        held = _DAYS[day] = day
    return held


def _history_row(e: PastDividend) -> tuple[Any, ...]:
    # enum members are GC-tracked objects: their values keep the tuple untracked
    fy, kind, amount, currency, status, record_date, event_id, disclosed_on = e
    return (
        _day(fy),
        kind.value,
        str(amount),  # exact (its exponent kept); ~50 B less than a Decimal, per entry held
        sys.intern(currency),
        status.value,
        _day(record_date),
        event_id,
        _day(disclosed_on),
    )


_KINDS = DividendType._value2member_map_
_STATUSES = EntryStatus._value2member_map_


def _past_dividend(row: tuple[Any, ...]) -> PastDividend:
    fy, kind, amount, currency, status, *rest = row
    return PastDividend(fy, _KINDS[kind], Decimal(amount), currency, _STATUSES[status], *rest)  # type: ignore[arg-type]


_FYE = itemgetter(0)  # a history row's fiscal year end
_CURRENCY = itemgetter(3)
_EVENT_ID = itemgetter(6)
_PER_TYPE = frozenset({DividendType.INTERIM.value, DividendType.YEAR_END.value})
_PRIOR_YEAR_WINDOW = 7  # as domain/fiscal.py looks for the prior year


def entry_key(row: tuple[Any, ...]) -> str:
    """What names a history entry within its security: the event of a resolved dividend;
    the period of a forecast (a later forecast of the period replaces it)."""
    event_id: str | None = row[6]
    if event_id is not None:
        return "e" + event_id
    fye, kind, record_date = row[0], row[1], row[5]
    quarter = None
    if kind not in _PER_TYPE and record_date is not None:
        quarter = fiscal_quarter(fye, record_date)
    return f"f{fye.isoformat()}/{kind}/{quarter}"


def _find(rows: tuple[tuple[Any, ...], ...], key: str) -> int | None:
    """The index of the row named ``key`` in ``rows`` (see `entry_key`), or None."""
    if key[0] == "e":
        try:
            return list(map(_EVENT_ID, rows)).index(key[1:])  # a C-speed scan
        except ValueError:
            return None
    for n, row in enumerate(rows):
        if row[6] is None and entry_key(row) == key:
            return n
    return None


def _placed(rows: tuple[tuple[Any, ...], ...], row: tuple[Any, ...]) -> tuple[tuple[Any, ...], ...]:
    """``rows`` (ordered by fiscal year end, then as entered) with ``row`` last of its year."""
    at = bisect_right(rows, row[0], key=_FYE)
    return (*rows[:at], row, *rows[at:])


def _entry_record_key(security: str, key: str) -> bytes:
    return (HISTORY_PREFIX + security + ENTRY_SEPARATOR + key).encode()


_NO_HISTORY = DividendHistory(())
_TRACK = "\x00track"  # a key no event id or security key can be (see track_containers)


_ZERO = dt.timedelta(0)


def _utc_day(due: dt.datetime) -> int:
    """The ordinal of the UTC day a due time falls on."""
    return due.toordinal() if due.utcoffset() == _ZERO else due.astimezone(dt.UTC).toordinal()


@dataclass
class PartitionState:
    """The in-memory state of one input partition, with a due-time heap for its timers.

    The timers (event ids by (due, kind), a heap of those keys) may hold stale entries (a
    date moved or an action was cancelled); they are checked against the action when
    popped, so a firing tick costs time proportional to what is due, never to what is
    pending.
    """

    actions: ActionTable = field(default_factory=ActionTable)
    # security -> its dividends as `_history_row` tuples, ordered by fiscal year end and,
    # within a year, as entered (the roll-up's order); read through `history_for`
    history: dict[str, tuple[tuple[Any, ...], ...]] = field(default_factory=dict)
    # security -> the currencies of its history, for the few holding more than one (the
    # roll-up warns of the others); every other security's entries share one currency
    history_currencies: dict[str, frozenset[str]] = field(default_factory=dict)
    # securities whose history was restored from a v0.1.0 whole-history record, not yet
    # superseded by per-entry records
    legacy_history: set[str] = field(default_factory=set)
    # Timers: the event ids due at each (instant, kind), and a heap of those keys. Many
    # actions share an instant (a market's day at its configured time), so a timer costs
    # a pointer, not a tuple of its own (a million pending: ~140 MB less than a heap entry
    # each).
    _timers: dict[tuple[dt.datetime, str], tuple[str, ...]] = field(default_factory=dict)
    _heap: list[tuple[dt.datetime, str]] = field(default_factory=list)
    _backlog: int = 0
    # UTC day (ordinal) -> the event ids with a record or payment date due that day, fired
    # or not (the calendar visits only the days it shows). Stale ids (a date moved, an
    # action deleted) are checked against the action when read and dropped then (`on_days`).
    _days: dict[int, list[str]] = field(default_factory=dict)
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
        tables: tuple[dict[Any, Any], ...] = (
            self.actions._rows,
            self.history,
            self.history_currencies,
            self._timers,
        )
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
                self.actions.restore(event_id, value)
        elif k.startswith(HISTORY_PREFIX):
            security, per_entry, name = k[len(HISTORY_PREFIX) :].partition(ENTRY_SEPARATOR)
            security = sys.intern(security)  # as the security's actions hold it
            if per_entry:
                self._restore_entry(security, name, value)
            elif value is None:  # a v0.1.0 record superseded: its entries go with it
                self.history.pop(security, None)
                self.legacy_history.discard(security)
            else:  # a v0.1.0 record: the whole history (sorted stably by year)
                rows = sorted(map(_history_row, decode_history(value)), key=_FYE)
                self.history_currencies[security] = frozenset()  # walked once, in _store
                self._store(security, tuple(rows), None)
                self.legacy_history.add(security)

    def _restore_entry(self, security: str, key: str, value: bytes | None) -> None:
        held = self.history.get(security)
        # the entry's event id: the action's string, not a second copy (one per entry held)
        row = None if value is None else _entry_row(value, self.actions.shared_id)
        if held is None:  # most securities: their first entry
            if row is not None:
                self.history[security] = (row,)
            return
        rows = held
        at = _find(rows, key)
        if at is not None:
            rows = (*rows[:at], *rows[at + 1 :])
        if row is not None:
            rows = _placed(rows, row)
        self._store(security, rows, row)

    def _store(
        self, security: str, rows: tuple[tuple[Any, ...], ...], added: tuple[Any, ...] | None
    ) -> None:
        """Hold ``rows`` as the security's history (``added`` the row just entered, if
        any), keeping `history_currencies` without walking the rows unless the security
        holds, or now gets, a second currency."""
        if not rows:
            self.history.pop(security, None)
            self.history_currencies.pop(security, None)
            return
        self.history[security] = rows
        mixed = security in self.history_currencies
        if added is not None and not mixed:  # the others share one currency
            mixed = rows[0][3] != added[3] or rows[-1][3] != added[3]
        if mixed:
            currencies = frozenset(map(_CURRENCY, rows))
            if len(currencies) > 1:
                self.history_currencies[security] = currencies
            else:
                self.history_currencies.pop(security, None)

    # -- mutations (each returns the changelog record that makes it durable) -------------
    def put_action(
        self, action: Action, resolution_json: bytes | None = None
    ) -> tuple[bytes, bytes]:
        """``resolution_json``: the action's resolution as received, when the caller has
        it (else it is unpacked from the action)."""
        before = self.actions._rows.get(action.event_id)
        self.actions[action.event_id] = action
        for due, kind in action.pending():
            self._add_timer(due, kind, action.event_id)
        self._index_days(action, before)
        return (ACTION_PREFIX + action.event_id).encode(), action.encode(resolution_json)

    def put_entry(
        self, security: str, entry: PastDividend, replaces: bool = True
    ) -> list[tuple[bytes, bytes | None]]:
        """Enter ``entry`` in the security's history, replacing the entry it names (the same
        event, or the forecast of the same period), last of its fiscal year. The changelog
        record is the entry's alone: its size does not grow with the history.
        ``replaces=False``: the caller knows none is held (an event's first version)."""
        row = _history_row(entry)
        key = entry_key(row)
        rows = self.history.get(security, ())
        at = _find(rows, key) if replaces else None
        if at is not None:
            rows = (*rows[:at], *rows[at + 1 :])
        rows = _placed(rows, row)
        self._store(security, rows, row)
        if security in self.legacy_history:
            return self._superseded(security, rows)
        return [(_entry_record_key(security, key), encode_history((entry,)))]

    def drop_event(self, security: str, event_id: str) -> list[tuple[bytes, bytes | None]]:
        """Remove the event's entry from the security's history (a tombstone), if held."""
        rows = self.history.get(security, ())
        at = _find(rows, "e" + event_id)
        if at is None:
            return []
        rows = (*rows[:at], *rows[at + 1 :])
        self._store(security, rows, None)
        if security in self.legacy_history:
            return self._superseded(security, rows)
        return [(_entry_record_key(security, "e" + event_id), None)]

    def _superseded(
        self, security: str, rows: tuple[tuple[Any, ...], ...]
    ) -> list[tuple[bytes, bytes | None]]:
        """The records replacing a v0.1.0 whole-history record: its tombstone first (a
        restore drops what it held), then one record for each entry, in order."""
        self.legacy_history.discard(security)
        out: list[tuple[bytes, bytes | None]] = [((HISTORY_PREFIX + security).encode(), None)]
        for row in rows:
            out.append(
                (
                    _entry_record_key(security, entry_key(row)),
                    encode_history((_past_dividend(row),)),
                )
            )
        return out

    def put_next_offset(self, offset: int) -> tuple[bytes, bytes]:
        self.next_offset = offset
        return OFFSET_KEY, str(offset).encode()

    def history_of(self, security: str) -> DividendHistory:
        """The security's whole history (ordered by fiscal year end)."""
        rows = self.history.get(security)
        return DividendHistory(tuple(map(_past_dividend, rows))) if rows else _NO_HISTORY

    def history_for(
        self, security: str, fiscal_year_end: dt.date, currency: str
    ) -> DividendHistory:
        """What the fiscal roll-up of a dividend of ``fiscal_year_end`` in ``currency`` reads
        of the security's history, found without walking it in Python: the entries of that
        year and of the prior year's window (domain/fiscal.py `_split_history`), each year's
        in the order entered; one entry in another currency if the history holds any (the
        roll-up warns of it); and, so that the roll-up takes the same path, one entry when
        the history holds entries but none of these years. The roll-up of this and of the
        whole history are the same."""
        rows = self.history.get(security)
        if not rows:
            return _NO_HISTORY
        prior_end = one_year_earlier(fiscal_year_end).toordinal()
        start = dt.date.fromordinal(prior_end - _PRIOR_YEAR_WINDOW)
        picked = rows[
            bisect_left(rows, start, key=_FYE) : bisect_right(rows, fiscal_year_end, key=_FYE)
        ]
        if security in self.history_currencies or rows[0][3] != currency:
            picked = (*picked, next(r for r in rows if r[3] != currency))
        elif not picked:
            picked = rows[:1]
        return DividendHistory(tuple(map(_past_dividend, picked)))

    def entries_of_years(self, security: str, years: set[dt.date]) -> tuple[PastDividend, ...]:
        """The security's entries of those fiscal years (ends), each year's in order."""
        rows = self.history.get(security, ())
        out: list[PastDividend] = []
        for year in sorted(years):
            lo, hi = bisect_left(rows, year, key=_FYE), bisect_right(rows, year, key=_FYE)
            out += map(_past_dividend, rows[lo:hi])
        return tuple(out)

    # -- timers ------------------------------------------------------------------------
    def _index_days(self, action: Action, before: tuple[Any, ...] | None = None) -> None:
        """Enter the action's dates in `_days`, but for a date its previous row
        (``before``) already had: a firing re-puts the action with the same dates."""
        days = self._days
        for i, due in ((6, action.record_due), (7, action.payment_due)):
            if due is not None and (before is None or before[i] != due):
                day = _utc_day(due)
                held = days.get(day)
                if held is None:
                    days[day] = [action.event_id]
                elif held[-1] != action.event_id:
                    held.append(action.event_id)

    def on_days(self, first: dt.date, last: dt.date) -> list[str]:
        """The event ids with a record or payment date due on a UTC day in ``[first,
        last]`` (each once), visiting only those days; stale ids are dropped from the
        index on the way."""
        out: list[str] = []
        seen: set[str] = set()
        rows = self.actions._rows
        days = self._days
        for day in range(first.toordinal(), last.toordinal() + 1):
            held = days.get(day)
            if not held:
                continue
            kept: dict[str, None] = {}
            for event_id in held:
                row = rows.get(event_id)
                if row is None or event_id in kept:
                    continue  # deleted, or a date moved away and back: held twice
                if not any(d is not None and _utc_day(d) == day for d in (row[6], row[7])):
                    continue  # the date moved: a stale entry
                kept[event_id] = None
                if event_id not in seen:
                    seen.add(event_id)
                    out.append(event_id)
            if len(kept) != len(held):
                if kept:
                    days[day] = list(kept)
                else:
                    del days[day]
        return out

    def overdue_ids(self, now: dt.datetime) -> list[str]:
        """The event ids with a date due at ``now`` that has not fired, walking the heap
        as `overdue` does (stale entries included: the caller checks the action)."""
        heap, timers = self._heap, self._timers
        out: list[str] = []
        stack = [0] if heap else []
        while stack:
            i = stack.pop()
            key = heap[i]
            if key[0] > now:
                continue  # and so are its children
            stack += [c for c in (2 * i + 1, 2 * i + 2) if c < len(heap)]
            out.extend(timers[key])
        return out

    @property
    def timer_backlog(self) -> int:
        """Timers held (an upper bound on pending dates; stale ones are dropped lazily)."""
        return self._backlog

    def _add_timer(self, due: dt.datetime, kind: str, event_id: str) -> None:
        key = (due, kind)
        held = self._timers.get(key)
        if held is None:
            self._timers[key] = (event_id,)
            heapq.heappush(self._heap, key)
        else:  # a tuple, not a list: the GC stops tracking it (see track_containers)
            self._timers[key] = (*held, event_id)
        self._backlog += 1

    def next_due(self) -> dt.datetime | None:
        return self._heap[0][0] if self._heap else None

    def _live(self, event_id: str, kind: str, due: dt.datetime) -> Action | None:
        """The action whose ``kind`` date a timer of ``due`` fires, if it still does."""
        action: Action | None = self.actions.get(event_id)
        if action is None or action.cancelled:
            return None
        if action.due(kind) != due or action.fired(kind) == due:
            return None  # moved, or already fired: a stale timer
        if kind == PAYMENT and action.paid:
            return None  # paid once: never again
        return action

    def pop_due(self, now: dt.datetime) -> list[tuple[Action, str, dt.datetime]]:
        """Every (action, kind, due) due at ``now`` that has not fired, earliest first
        (by due, then event id, then kind)."""
        out: list[tuple[Action, str, dt.datetime]] = []
        heap, timers = self._heap, self._timers
        while heap and heap[0][0] <= now:
            due = heap[0][0]
            timed: list[tuple[str, str]] = []
            while heap and heap[0][0] == due:  # both kinds of this instant, then in order
                key = heapq.heappop(heap)
                ids = timers.pop(key)
                self._backlog -= len(ids)
                timed += [(event_id, key[1]) for event_id in ids]
            for event_id, kind in sorted(set(timed)):
                action = self._live(event_id, kind, due)
                if action is not None:
                    out.append((action, kind, due))
        return out

    def overdue(self, now: dt.datetime) -> tuple[int, dt.datetime | None]:
        """The dates due at ``now`` that have not fired (count, earliest due), without
        popping: the heap is walked only through instants due by ``now``, so this costs
        what is overdue, not what is pending. Stale timers are skipped as `pop_due`
        skips them."""
        heap, timers = self._heap, self._timers
        count, oldest = 0, None
        seen: set[tuple[str, str]] = set()
        stack = [0] if heap else []
        while stack:
            i = stack.pop()
            key = heap[i]
            due, kind = key
            if due > now:
                continue  # and so are its children
            stack += [c for c in (2 * i + 1, 2 * i + 2) if c < len(heap)]
            for event_id in timers[key]:
                if (event_id, kind) in seen or self._live(event_id, kind, due) is None:
                    continue
                seen.add((event_id, kind))
                count += 1
                oldest = due if oldest is None or due < oldest else oldest
        return count, oldest

    def rebuild_timers(self, redue: Callable[[Action], Action] | None = None) -> None:
        """The timers of every action, once restore is complete. ``redue`` places an
        action's pending dates by the settings in force now (`Lifecycle.redue`); one pass
        over the rows, each action built once (restore time is ready time)."""
        grouped: dict[tuple[dt.datetime, str], list[str]] = {}
        backlog = 0
        self._days = {}
        rows = self.actions._rows
        for event_id, row in rows.items():  # replacing a value keeps the dict's size
            action = _action(row)
            if redue is not None:
                moved = redue(action)
                if moved is not action:
                    rows[event_id] = _stored(moved)
                    action = moved
            for key in action.pending():
                held = grouped.get(key)
                if held is None:
                    grouped[key] = [event_id]
                else:
                    held.append(event_id)
                backlog += 1
            self._index_days(action)
        self._timers = {key: tuple(ids) for key, ids in grouped.items()}
        self._heap = list(self._timers)
        heapq.heapify(self._heap)
        self._backlog = backlog
