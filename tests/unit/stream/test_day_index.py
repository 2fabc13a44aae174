"""The state's index by due day (`PartitionState.on_days`): what the calendar reads instead
of every action. Checked against a plain scan of the actions, through dates that move,
fire, are cancelled and deleted, and after a restore (`rebuild_timers`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from corpactions.stream.state import ACTION_PREFIX, RECORD, Action, PartitionState

T0 = dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _action(event_id: str, record: dt.datetime, payment: dt.datetime | None) -> Action:
    return Action(event_id, "XTKS:1234", 1, "NEWM", (f"m-{event_id}",), None, record, payment)


def scan(state: PartitionState, first: dt.date, last: dt.date) -> set[str]:
    """The ids a full scan finds: a record or payment date on a UTC day in range."""
    return {
        a.event_id
        for a in state.actions.values()
        for due in (a.record_due, a.payment_due)
        if due is not None and first <= due.astimezone(dt.UTC).date() <= last
    }


def test_the_index_finds_what_a_scan_finds() -> None:
    state = PartitionState()
    for i in range(40):
        state.put_action(_action(f"A{i}", T0 + i * DAY, T0 + (i + 30) * DAY))
    state.put_action(state.actions["A1"].mark_fired(RECORD, T0 + DAY))  # fired: still shown
    state.put_action(replace(state.actions["A2"], record_due=T0 + 50 * DAY))  # moved
    state.put_action(replace(state.actions["A3"], record_due=T0 + 9 * DAY))  # moved ...
    state.put_action(replace(state.actions["A3"], record_due=T0 + 3 * DAY))  # ... and back
    state.put_action(replace(state.actions["A4"], function="CANC"))  # cancelled: still shown
    state.apply_changelog(f"{ACTION_PREFIX}A5".encode(), None)  # deleted
    state.put_action(replace(state.actions["A6"], payment_due=None))
    # an offset other than UTC's: the UTC day counts
    state.put_action(_action("Z", T0.astimezone(dt.timezone(dt.timedelta(hours=9))), None))
    for first, days in [(T0.date(), 0), (T0.date(), 7), (T0.date() + 2 * DAY, 40), (T0.date(), 90)]:
        last = first + days * DAY
        found = state.on_days(first, last)
        assert len(found) == len(set(found))
        assert set(found) == scan(state, first, last)
    assert "A1" in state.on_days(T0.date() + DAY, T0.date() + DAY)
    assert state.on_days(T0.date() + 2 * DAY, T0.date() + 2 * DAY) == []  # A2 moved away
    assert state.on_days(T0.date() + 9 * DAY, T0.date() + 9 * DAY) == ["A9"]
    # a restore builds the same index
    restored = PartitionState()
    for event_id, action in state.actions.items():
        restored.actions[event_id] = action
    restored.rebuild_timers()
    first, last = T0.date() - DAY, T0.date() + 90 * DAY
    assert sorted(restored.on_days(first, last)) == sorted(state.on_days(first, last))


def test_stale_ids_are_dropped_when_their_day_is_read() -> None:
    state = PartitionState()
    state.put_action(_action("A", T0, None))
    state.put_action(replace(state.actions["A"], record_due=T0 + 5 * DAY))
    day = T0.date()
    assert state._days[day.toordinal()] == ["A"]  # stale until read
    assert state.on_days(day, day) == []
    assert day.toordinal() not in state._days


def test_overdue_ids_come_from_the_timer_heap() -> None:
    state = PartitionState()
    state.put_action(_action("due", T0, T0 + 40 * DAY))
    state.put_action(_action("later", T0 + 20 * DAY, T0 + 40 * DAY))
    state.put_action(state.actions["due"].mark_fired(RECORD, T0))
    assert set(state.overdue_ids(T0 + DAY)) == {"due"}  # stale heap entries included
    assert state.overdue(T0 + DAY)[0] == 0  # the checked figure
