"""A paid dividend is never paid again, nor cancelled (issue 15): NEWM, REPL and CANC in
every order around the record and payment dates, in memory, with and without a restart
between steps.

Instants (IIJ FY2016 interim, XTKS; Tokyo is UTC+9 all year, no DST), worked by hand:
- record date 2016-09-30 is reached at its end, 23:59:59 JST = 2016-09-30 14:59:59 UTC;
- payment date 2016-12-06 begins 00:00 JST = 2016-12-05 15:00 UTC;
- the REPL's payment date 2016-12-08 begins 00:00 JST = 2016-12-07 15:00 UTC.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from corpactions.contracts.topics import Topics
from corpactions.stream.intake import Source, Verdict
from corpactions.stream.lifecycle import Lifecycle, Outcome, Outgoing
from corpactions.stream.state import PartitionState
from tests.support.kafka import example_resolution, key_of

TOPICS = Topics()
EVENT = "JP3152820001-DVCA-FY2016-INTERIM"
UTC = dt.UTC
RECORD_REACHED = dt.datetime(2016, 9, 30, 14, 59, 59, tzinfo=UTC)
PAYMENT_REACHED = dt.datetime(2016, 12, 5, 15, 0, tzinfo=UTC)
MOVED_PAYMENT_REACHED = dt.datetime(2016, 12, 7, 15, 0, tzinfo=UTC)

# Clock positions, in order: before the record date ends, between record and payment,
# after the payment date began (before the moved one), after the moved payment date.
BEFORE_RECORD = dt.datetime(2016, 9, 1, tzinfo=UTC)
BETWEEN = dt.datetime(2016, 11, 4, 6, tzinfo=UTC)
AFTER_PAYMENT = dt.datetime(2016, 12, 6, 3, tzinfo=UTC)
AFTER_MOVED_PAYMENT = dt.datetime(2016, 12, 9, 3, tzinfo=UTC)
CLOCK = (BEFORE_RECORD, BETWEEN, AFTER_PAYMENT, AFTER_MOVED_PAYMENT)


def message(kind: str) -> bytes:
    doc = {
        "NEWM": example_resolution(),
        # ISO 15022 REPL: version 2 moves the payment date and changes the rate
        "REPL": example_resolution(
            message_id="m-repl",
            function="REPL",
            version=2,
            payment_date="2016-12-08",
            gross_amount_per_share="14.00",
            declared_total=None,
        ),
        "CANC": example_resolution(message_id="m-canc", function="CANC", version=3),
    }[kind]
    return json.dumps(doc).encode()


def restarted(state: PartitionState, changes: list[tuple[bytes, bytes]]) -> PartitionState:
    """A new owner's state: every changelog record so far, replayed (last value wins)."""
    fresh = PartitionState()
    for key, value in changes:
        fresh.apply_changelog(key, value)
    fresh.rebuild_timers()
    return fresh


class Run:
    """Feeds messages and ticks as the engine does (a batch's records, then its tick)."""

    def __init__(self, restart: bool) -> None:
        self.life = Lifecycle(TOPICS)
        self.state = PartitionState()
        self.changes: list[tuple[bytes, bytes]] = []
        self.events: list[dict[str, Any]] = []
        self.letters: list[str] = []
        self.notifications: list[Outgoing] = []
        self.restart = restart
        self.offset = 0

    def _take(self, outcome: Outcome) -> Outcome:
        self.changes += outcome.changes
        for out in outcome.outputs:
            if out.topic == TOPICS.notifications:  # its XML mirrors a schedule event
                self.notifications.append(out)
                continue
            event = json.loads(out.value)
            if event["type"] == "BoardResolutionRejected":
                self.letters.append(event["reason"]["code"])
            else:
                self.events.append(event)
        if self.restart:
            self.state = restarted(self.state, self.changes)
        return outcome

    def send(self, kind: str, now: dt.datetime) -> Outcome:
        raw = message(kind)
        source = Source(TOPICS.resolutions, 0, self.offset, None, key_of(raw))
        self.offset += 1
        out = self._take(self.life.on_resolution(self.state, raw, source, now))
        self._take(self.life.on_tick(self.state, now))
        return out

    def tick(self, now: dt.datetime) -> None:
        self._take(self.life.on_tick(self.state, now))

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]


def test_the_issue_reproduction_repl_after_payment_is_dead_lettered() -> None:
    run = Run(restart=False)
    run.send("NEWM", BETWEEN)
    run.tick(AFTER_PAYMENT)
    before = run.state.actions[EVENT]
    pending = run.state.timer_backlog
    out = run.send("REPL", AFTER_PAYMENT)
    assert out.verdict is Verdict.DEAD_LETTER
    assert out.reason == "event_already_paid"
    assert out.changes == ()
    assert run.state.actions[EVENT] == before  # action, its dates and message ids
    assert run.state.timer_backlog == pending
    assert run.state.history_of("JP3152820001").entries[0].amount_per_share == Decimal("13.50")
    run.tick(AFTER_MOVED_PAYMENT)
    assert run.types() == ["DividendScheduled", "RecordDateReached", "PaymentDateReached"]
    [paid] = [e for e in run.events if e["type"] == "PaymentDateReached"]
    assert paid["payment_date"] == "2016-12-06"


def test_a_cancellation_after_payment_is_dead_lettered() -> None:
    run = Run(restart=False)
    run.send("NEWM", BETWEEN)
    run.tick(AFTER_PAYMENT)
    out = run.send("CANC", AFTER_MOVED_PAYMENT)
    assert out.reason == "event_already_paid"
    assert "DividendCancelled" not in run.types()
    [letter] = [json.loads(o.value) for o in out.outputs]  # and no seev.039
    assert letter["reason"]["errors"][0]["code"] == "event_already_paid"


def test_an_update_arriving_in_the_batch_that_reaches_the_payment_date_is_refused() -> None:
    # the engine handles a batch's records before its tick: the payment is due at `now`,
    # so it is reached; the REPL must not move it away first
    run = Run(restart=False)
    run.send("NEWM", BETWEEN)
    out = run.send("REPL", AFTER_PAYMENT)
    assert out.reason == "event_already_paid"
    assert run.types() == ["DividendScheduled", "RecordDateReached", "PaymentDateReached"]


def test_before_payment_a_replacement_changes_the_rate_and_the_payment_date() -> None:
    run = Run(restart=False)
    run.send("NEWM", BETWEEN)  # record date reached at once (announced after it)
    out = run.send("REPL", BETWEEN)
    assert out.verdict is Verdict.REPLACED
    replaced = run.events[-1]
    assert replaced["schedule"]["amounts"]["gross_amount_per_share"] == "14.00"
    run.tick(AFTER_PAYMENT)
    assert "PaymentDateReached" not in run.types()  # moved to 12-08
    run.tick(AFTER_MOVED_PAYMENT)
    assert run.types().count("RecordDateReached") == 1
    [paid] = [e for e in run.events if e["type"] == "PaymentDateReached"]
    assert (paid["payment_date"], paid["version"]) == ("2016-12-08", 2)
    assert paid["due_at"].startswith("2016-12-07T15:00:00")


def test_after_the_record_date_a_replacement_may_not_move_it() -> None:
    run = Run(restart=False)
    run.send("NEWM", BETWEEN)
    raw = json.dumps(
        example_resolution(message_id="m-rd", function="REPL", version=2, record_date="2016-10-31")
    ).encode()
    out = run.life.on_resolution(run.state, raw, Source("in", 0, 9, None, key_of(raw)), BETWEEN)
    assert out.reason == "record_date_already_reached"
    assert out.changes == ()
    assert run.state.actions[EVENT].version == 1


def test_before_the_record_date_a_replacement_may_move_it() -> None:
    run = Run(restart=False)
    run.send("NEWM", BEFORE_RECORD)
    raw = json.dumps(
        example_resolution(message_id="m-rd", function="REPL", version=2, record_date="2016-09-29")
    ).encode()
    source = Source("in", 0, 9, None, key_of(raw))
    out = run.life.on_resolution(run.state, raw, source, BEFORE_RECORD)
    assert out.verdict is Verdict.REPLACED
    run.tick(BETWEEN)
    [record] = [e for e in run.events if e["type"] == "RecordDateReached"]
    assert record["record_date"] == "2016-09-29"
    assert record["due_at"].startswith("2016-09-29T14:59:59")  # 23:59:59 JST


ORDERS = list(itertools.permutations(["NEWM", "REPL", "CANC"]))
# each message at a clock position, positions never going back
TIMINGS = list(itertools.combinations_with_replacement(range(len(CLOCK)), 3))


@pytest.mark.parametrize("restart", [False, True], ids=["in-memory", "restart-each-step"])
@pytest.mark.parametrize("order", ORDERS, ids="-".join)
def test_every_order_around_record_and_payment_pays_at_most_once(
    order: tuple[str, ...], restart: bool
) -> None:
    for timing in TIMINGS:
        run = Run(restart=restart)
        applied: list[str] = []
        for kind, at in zip(order, timing, strict=True):
            paid_before = "PaymentDateReached" in run.types()
            out = run.send(kind, CLOCK[at])
            if out.reason == "event_already_paid":
                assert paid_before or CLOCK[at] >= PAYMENT_REACHED, (order, timing)
            elif out.verdict in {Verdict.SCHEDULED, Verdict.REPLACED, Verdict.CANCELLED}:
                applied.append(kind)
        run.tick(AFTER_MOVED_PAYMENT + dt.timedelta(days=30))
        types = run.types()
        counts = Counter(types)
        where = (order, timing, types, run.letters)
        assert counts["PaymentDateReached"] <= 1, where
        assert counts["RecordDateReached"] <= 1, where
        if "PaymentDateReached" in types:
            paid_at = types.index("PaymentDateReached")
            # nothing replaces or cancels a paid dividend
            assert not {"DividendScheduleReplaced", "DividendCancelled"} & set(types[paid_at:]), (
                where
            )
            assert "DividendCancelled" not in types, where
        if "DividendCancelled" in types:
            cancelled_at = types.index("DividendCancelled")
            assert "PaymentDateReached" not in types[cancelled_at:], where
        # a NEWM/REPL that was applied and never cancelled is paid exactly once
        if applied and applied[-1] in {"NEWM", "REPL"} and "CANC" not in applied:
            assert counts["PaymentDateReached"] == 1, where
        # every input became one applied change, one dead letter, or was ignored (stale)
        assert len(applied) + len(run.letters) <= 3, where


def test_a_state_from_before_the_fix_never_pays_twice() -> None:
    """A changelog written by an older version could hold an action whose payment fired
    and whose payment date a REPL moved afterwards (issue 15's reproduction): restored,
    its moved payment date must not fire again."""
    run = Run(restart=False)
    run.send("NEWM", BETWEEN)
    run.tick(AFTER_PAYMENT)
    action = run.state.actions[EVENT]
    # what the old version wrote after the REPL: due moved, fired kept
    moved = action.__class__(
        *action.row()[:7], MOVED_PAYMENT_REACHED, action.record_fired, action.payment_fired
    )
    restored = PartitionState()
    for key, value in [*run.changes, run.state.put_action(moved)]:
        restored.apply_changelog(key, value)
    restored.rebuild_timers()
    assert run.life.on_tick(restored, AFTER_MOVED_PAYMENT).outputs == ()
