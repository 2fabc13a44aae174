"""A security's dividend history on the changelog, one record per entry (issue 28).

A resolution writes its own entry's record (or a tombstone when it cancels), never the
whole history, so what it writes and costs does not grow with the security's age. v0.1.0
wrote the whole history as one ``h:<security>`` record: those still restore, and the
first change after one supersedes it (its tombstone, then a record per entry), so that a
restore never counts an entry twice nor brings back one a cancellation removed.

IIJ's figures (its release of 2016-11-04, DOMAIN.md): FY2015 (year ending 2016-03-31)
interim 11.00 + year-end 11.00 = 22.00; FY2016 interim 13.50 + year-end forecast 13.50 =
27.00; the interim against the prior year's: 13.50 - 11.00 = +2.50.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from typing import Any

from corpactions.contracts.topics import Topics
from corpactions.domain import DividendHistory, DividendType, EntryStatus, PastDividend
from corpactions.domain.fiscal import roll_up
from corpactions.domain.forecasts import apply_forecasts
from corpactions.stream.intake import Source, Verdict
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.state import PartitionState
from tests.support.kafka import example_resolution, key_of

TOPICS = Topics(prefix="")
ANNOUNCED = dt.datetime(2016, 11, 4, 6, 0, tzinfo=dt.UTC)
IIJ = "JP3152820001"

# Exactly what v0.1.0's `encode_history` wrote for IIJ's FY2015 dividends and the FY2016
# year-end forecast (key b"h:JP3152820001"): produced by `git show v0.1.0:` state.py.
V010_KEY = b"h:" + IIJ.encode()
V010_VALUE = (
    b'[{"fiscal_year_end":"2016-03-31","dividend_type":"interim","amount_per_share":"11.00",'
    b'"currency":"JPY","status":"resolved","record_date":"2015-09-30",'
    b'"event_id":"IIJ-FY2015-INTERIM","disclosed_on":"2015-11-05"},'
    b'{"fiscal_year_end":"2016-03-31","dividend_type":"year_end","amount_per_share":"11.00",'
    b'"currency":"JPY","status":"resolved","record_date":"2016-03-31",'
    b'"event_id":"IIJ-FY2015-YEAREND","disclosed_on":"2016-05-12"},'
    b'{"fiscal_year_end":"2017-03-31","dividend_type":"year_end","amount_per_share":"13.50",'
    b'"currency":"JPY","status":"forecast","record_date":null,"event_id":null,'
    b'"disclosed_on":"2016-05-12"}]'
)


def msg(offset: int, **changes: Any) -> tuple[bytes, Source]:
    raw = json.dumps(example_resolution(**changes)).encode()
    return raw, Source(TOPICS.resolutions, 0, offset, 1478239200000, key_of(raw))


def replay(records: list[tuple[bytes, bytes | None]]) -> PartitionState:
    state = PartitionState()
    for key, value in records:
        state.apply_changelog(key, value)
    state.rebuild_timers()
    return state


def fiscal(outcome: Any) -> dict[str, Any]:
    return dict(json.loads(outcome.outputs[0].value)["schedule"]["fiscal"])


def test_a_v010_history_record_restores_and_is_superseded_by_entry_records() -> None:
    life = Lifecycle(TOPICS)
    state = replay([(V010_KEY, V010_VALUE)])
    assert len(state.history[IIJ]) == 3
    out = life.on_resolution(state, *msg(0), ANNOUNCED)
    assert out.verdict is Verdict.SCHEDULED
    roll = fiscal(out)
    assert roll["this_year"]["annual_total"] == "27.00"  # 13.50 + 13.50 forecast
    assert roll["prior_year"]["annual_total"] == "22.00"  # 11.00 + 11.00
    assert roll["vs_prior_year_same_period"]["change"] == "2.50"
    history_records = [(k, v) for k, v in out.changes if k.startswith(b"h:")]
    # the v0.1.0 record's tombstone first, then every entry's own record
    assert history_records[0] == (V010_KEY, None)
    assert [k.split(b"\x00")[1] for k, _ in history_records[1:]] == [
        b"eIIJ-FY2015-INTERIM",
        b"eIIJ-FY2015-YEAREND",
        b"f2017-03-31/year_end/None",
        b"eJP3152820001-DVCA-FY2016-INTERIM",
    ]
    # a restore of everything ever written, and of what compaction leaves, agree
    written = [(V010_KEY, V010_VALUE), *out.changes]
    compacted = list(out.changes[2:])  # the old record and its tombstone gone
    for records in (written, compacted):
        restored = replay(records)
        assert restored.history == state.history
        assert restored.legacy_history == set()
    # the next change to this security writes its own entry only
    later = life.on_resolution(
        state,
        *msg(1, event_id="IIJ-FY2016-YEAREND", message_id="ye", dividend_type="year_end"),
        ANNOUNCED,
    )
    assert [k for k, _ in later.changes if k.startswith(b"h:")] == [
        V010_KEY + b"\x00eIIJ-FY2016-YEAREND"
    ]


def test_a_cancellation_of_a_v010_entry_removes_it_for_good() -> None:
    life = Lifecycle(TOPICS)
    state = replay([(V010_KEY, V010_VALUE)])
    cancel = {"event_id": "IIJ-FY2015-YEAREND", "message_id": "c", "function": "CANC"}
    out = life.on_resolution(state, *msg(0, version=2, **cancel), ANNOUNCED)
    assert out.verdict is Verdict.CANCELLED
    records = [(k, v) for k, v in out.changes if k.startswith(b"h:")]
    assert records[0] == (V010_KEY, None)
    assert len(records) == 3  # the interim and the forecast, not the cancelled year-end
    restored = replay([(V010_KEY, V010_VALUE), *out.changes])
    assert [r[6] for r in restored.history[IIJ]] == ["IIJ-FY2015-INTERIM", None]
    # cancelling an entry held per entry writes its tombstone
    again = life.on_resolution(
        state, *msg(1, version=2, event_id="IIJ-FY2015-INTERIM", message_id="c2",
                    function="CANC"), ANNOUNCED,
    )  # fmt: skip
    assert [(k, v) for k, v in again.changes if k.startswith(b"h:")] == [
        (V010_KEY + b"\x00eIIJ-FY2015-INTERIM", None)
    ]
    assert replay([(V010_KEY, V010_VALUE), *out.changes, *again.changes]).history == state.history


def test_the_record_a_resolution_writes_does_not_grow_with_the_history() -> None:
    life = Lifecycle(TOPICS)
    state = PartitionState()
    sizes = []
    for n in range(120):
        year = 2001 + n // 4
        quarter_end = dt.date(year, 3 * (n % 4) + 1, 28)
        out = life.on_resolution(
            state,
            *msg(n, event_id=f"E{n:04}", message_id=f"m{n}", dividend_type="quarterly",
                 fiscal_year_end=f"{year}-12-31", record_date=quarter_end.isoformat(),
                 payment_date=(quarter_end + dt.timedelta(days=30)).isoformat(),
                 resolved_on=(quarter_end - dt.timedelta(days=20)).isoformat(),
                 forecast_per_share=None, declared_total=None),
            ANNOUNCED,
        )  # fmt: skip
        assert out.verdict is Verdict.SCHEDULED, out
        [(_key, value)] = [(k, v) for k, v in out.changes if k.startswith(b"h:")]
        assert value is not None
        sizes.append(len(value))
    assert len(state.history[IIJ]) == 120
    assert max(sizes) == min(sizes)  # same-shaped entries: same-sized records


def _entry(rng: random.Random, n: int) -> PastDividend:
    fye = dt.date(2010 + rng.randint(0, 6), 12, 31) + dt.timedelta(days=rng.choice((0, 0, -3, 4)))
    kind = rng.choice(list(DividendType))
    record = fye - dt.timedelta(days=rng.randint(0, 360))
    forecast = rng.random() < 0.3
    return PastDividend(
        fiscal_year_end=fye,
        dividend_type=kind,
        amount_per_share=Decimal(rng.randint(1, 300)).scaleb(-rng.randint(0, 2)),
        currency=rng.choice(("JPY", "JPY", "JPY", "USD")),
        status=EntryStatus.FORECAST if forecast else EntryStatus.RESOLVED,
        record_date=record if rng.random() < 0.9 else None,
        event_id=None if forecast else f"E{rng.randint(0, n)}",
        disclosed_on=record - dt.timedelta(days=rng.randint(0, 3)),
    )


def test_the_roll_up_of_what_history_for_reads_is_the_whole_historys() -> None:
    """Random histories kept as v0.1.0 kept them (the whole list, in the order entered: an
    event's new entry replaces its old one at the end; a forecast revises its period's)
    and per entry: every roll-up over the reduced history equals the whole history's."""
    rng = random.Random(28)
    for trial in range(150):
        state, whole = PartitionState(), ()
        entries: tuple[PastDividend, ...] = ()
        for _ in range(rng.randint(0, 40)):
            e = _entry(rng, 30)
            if e.status is EntryStatus.FORECAST:
                updated = apply_forecasts(entries, (e,))
                if updated is not entries:
                    state.put_entry(IIJ, e)
                entries = updated
            else:
                entries = (*(x for x in entries if x.event_id != e.event_id), e)
                state.put_entry(IIJ, e)
            if rng.random() < 0.1 and entries:
                gone = rng.choice(entries).event_id
                if gone is not None:
                    entries = tuple(x for x in entries if x.event_id != gone)
                    state.drop_event(IIJ, gone)
        whole = DividendHistory(entries)
        assert sorted(state.history_of(IIJ).entries, key=str) == sorted(entries, key=str)
        for _ in range(10):
            cur = _entry(rng, 30)
            args: dict[str, Any] = {
                "event_id": cur.event_id or "new",
                "dividend_type": cur.dividend_type,
                "fiscal_year_end": cur.fiscal_year_end,
                "record_date": cur.record_date or cur.fiscal_year_end,
                "amount_per_share": cur.amount_per_share,
                "currency": cur.currency,
                "forecast": None,
            }
            reduced = state.history_for(IIJ, cur.fiscal_year_end, cur.currency)
            assert roll_up(**args, history=reduced) == roll_up(**args, history=whole), trial
