"""Burrow's evaluation rules on hand-written windows.

``BURROW_CASES`` is Burrow's own correctness table (linkedin/Burrow,
core/internal/evaluator/caching_test.go, ``tests``, cases 0-11), transcribed as
(offset, timestamp ms, lag) triples; its ``timeNow`` is in seconds, ours in ms. The
expected values are Burrow's, not computed by this code.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from corpactions.ops.burrow import (
    Commit,
    PartitionEvaluation,
    Status,
    calculate_partition_status,
    check_if_lag_not_decreasing,
    check_if_offsets_rewind,
    check_if_offsets_stalled,
    check_if_offsets_stopped,
    check_if_recent_lag_zero,
    commit_rate,
    evaluate_group,
    evaluate_partition,
    is_lag_always_not_zero,
)


class Case(NamedTuple):
    offsets: list[tuple[int, int, int | None]]
    broker_offsets: list[int]
    current_lag: int
    time_now_s: int
    lag_always_not_zero: bool
    rewind: bool
    stopped: bool
    stalled: bool
    lag_not_decreasing: bool
    recent_lag_zero: bool
    status: Status


def _timed(lags: tuple[int, ...]) -> list[tuple[int, int]]:
    return list(zip(range(1, len(lags) + 1), lags, strict=True))


_STEADY = [(1000, 100000, 0), (2000, 200000, 50), (3000, 300000, 100)]
_STEADY += [(4000, 400000, 150), (5000, 500000, 200)]
_LAGGING = [(1000, 100000, 50), (2000, 200000, 100), (3000, 300000, 150)]
_LAGGING += [(4000, 400000, 200), (5000, 500000, 250)]
_BUSY = [(792748079 + i, t, 0) for i, t in enumerate(
    [1512224618356, 1512224619362, 1512224620366, 1512224621367, 1512224622370,
     1512224623373, 1512224624378, 1512224625379, 1512224626383, 1512224627383,
     1512224628383, 1512224629388, 1512224630391, 1512224631394, 1512224632397]
)]  # fmt: skip

BURROW_CASES = [
    # 0 - OK because there is zero lag somewhere
    Case(_STEADY, [5200], 200, 600, False, False, False, False, True, False, Status.OK),
    # 1 - not stopped: time since last commit (400 s) equals the window span, not greater
    Case(_STEADY, [5200], 200, 900, False, False, False, False, True, False, Status.OK),
    # 2 - STOP: time since last commit (500 s) exceeds the span, despite an early zero lag
    Case(_STEADY, [5200], 200, 1000, False, False, True, False, True, False, Status.STOP),
    # 3 - STOP when the lag is never zero as well
    Case(_LAGGING, [5250], 250, 1000, True, False, True, False, True, False, Status.STOP),
    # 4 - OK because of a zero lag, although every offset is the same
    Case(
        [(1000, t * 100000, lag) for t, lag in _timed((0, 50, 100, 150, 200))],
        [1200], 200, 600, False, False, False, True, True, False, Status.OK,
    ),
    # 5 - STALL: same offset, lag never zero
    Case(
        [(1000, t * 100000, lag) for t, lag in _timed((100, 150, 200, 250, 300))],
        [1300], 300, 600, True, False, False, True, True, False, Status.STALL,
    ),
    # 6 - still STALL when the lag stays the same
    Case(
        [(1000, t * 100000, 100) for t in range(1, 6)],
        [1100], 100, 600, True, False, False, True, True, False, Status.STALL,
    ),
    # 7 - REWIND: an offset goes backwards, although the lag decreases (rewind is worse)
    Case(
        [(1000, 100000, 100), (2000, 200000, 150), (3000, 300000, 200),
         (2000, 400000, 1250), (4000, 500000, 300)],
        [4300], 300, 600, True, True, False, False, False, False, Status.REWIND,
    ),
    # 8 - OK because the current lag is 0, although the timestamps say stopped
    Case(_LAGGING, [5250], 0, 1000, True, False, True, False, True, False, Status.OK),
    # 9 - STOP: current lag > 0 only because new data arrived, no commits since (#290)
    Case(
        _BUSY, [792749024, 792749000, 792748800, 792748600, 792748500], 931, 1512224650,
        False, False, True, False, True, False, Status.STOP,
    ),
    # 10 - OK: would be STOP, but a recent log-end sample shows it was caught up (#303)
    Case(
        _BUSY, [792748094, 792748093, 792748093, 792748093], 1, 1512224650,
        False, False, True, False, True, True, Status.OK,
    ),
    # 11 - case 0 with unknown (nil) lags between: they change nothing
    Case(
        [(1000, 100000, 0), (1500, 150000, None), (2000, 200000, 50), (2500, 250000, None),
         (3000, 300000, 100), (3500, 350000, None), (4000, 400000, 150),
         (4500, 450000, None), (5000, 500000, 200), (5500, 550000, None)],
        [5700], 200, 600, False, False, False, False, True, False, Status.OK,
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", BURROW_CASES, ids=[f"burrow-{i}" for i in range(12)])
def test_rules_match_burrows_own_table(case: Case) -> None:
    window = [Commit(o, t, lag) for o, t, lag in case.offsets]
    now_ms = case.time_now_s * 1000
    assert is_lag_always_not_zero(window) is case.lag_always_not_zero
    assert check_if_offsets_rewind(window) is case.rewind
    assert check_if_offsets_stopped(window, now_ms) is case.stopped
    assert check_if_offsets_stalled(window) is case.stalled
    assert check_if_lag_not_decreasing(window) is case.lag_not_decreasing
    assert check_if_recent_lag_zero(window, case.broker_offsets) is case.recent_lag_zero
    status = calculate_partition_status(window, case.broker_offsets, case.current_lag, now_ms)
    assert status is case.status


def _window(*commits: tuple[int, int, int | None]) -> list[Commit]:
    return [Commit(o, t, lag) for o, t, lag in commits]


def test_lag_that_grows_while_offsets_advance_is_warn() -> None:
    w = _window((10, 1000, 5), (20, 2000, 8), (30, 3000, 8), (40, 4000, 12))
    assert calculate_partition_status(w, [52], 12, 4500) is Status.WARN


def test_one_decrease_anywhere_in_the_window_makes_it_ok() -> None:
    w = _window((10, 1000, 5), (20, 2000, 8), (30, 3000, 4), (40, 4000, 12))
    assert calculate_partition_status(w, [52], 12, 4500) is Status.OK


def test_a_single_commit_with_lag_is_stall_then_stop_as_soon_as_time_passes() -> None:
    # Burrow's rules taken literally: one commit is a window whose offsets never change
    # (STALL) and whose span is 0 (STOP once any time passed). minimum_complete exists
    # for this; its default (0) keeps Burrow's behaviour.
    w = _window((10, 1000, 5))
    assert calculate_partition_status(w, [15], 5, 1000) is Status.STALL
    assert calculate_partition_status(w, [15], 5, 1001) is Status.STOP


def test_completeness_is_the_filled_share_of_the_window() -> None:
    w = _window((10, 1000, 0), (20, 2000, 0), (30, 3000, 0))
    ev = evaluate_partition(w, intervals=10, current_lag=0, broker_offsets=[30], now_ms=3000)
    assert ev.complete == pytest.approx(0.3)
    assert ev.start == w[0]
    assert ev.end == w[-1]
    empty = evaluate_partition([], intervals=10, current_lag=7, broker_offsets=[], now_ms=0)
    assert (empty.status, empty.complete) == (Status.OK, 0.0)


def test_only_the_last_intervals_commits_are_judged() -> None:
    # an old rewind slides out of a 3-commit window
    w = _window((50, 1000, 5), (10, 2000, 9), (20, 3000, 8), (30, 4000, 7), (40, 5000, 6))
    ev = evaluate_partition(w, intervals=3, current_lag=6, broker_offsets=[46], now_ms=5100)
    assert ev.status is Status.OK
    assert ev.complete == 1.0
    full = evaluate_partition(w, intervals=5, current_lag=6, broker_offsets=[46], now_ms=5100)
    assert full.status is Status.REWIND


def test_minimum_complete_keeps_a_thin_window_ok() -> None:
    w = _window((10, 1000, 5))
    ev = evaluate_partition(w, 10, 5, [15], now_ms=99_000, minimum_complete=0.5)
    assert ev.status is Status.OK


def _p(status: Status, complete: float = 1.0, lag: int = 0) -> PartitionEvaluation:
    return PartitionEvaluation(status, complete, lag, None, None)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([Status.OK, Status.OK], Status.OK),
        ([Status.OK, Status.WARN], Status.WARN),
        ([Status.WARN, Status.STOP], Status.ERR),
        ([Status.OK, Status.STALL], Status.ERR),
        ([Status.REWIND], Status.ERR),
    ],
)
def test_group_is_err_for_any_stop_stall_rewind_else_the_worst(
    statuses: list[Status], expected: Status
) -> None:
    assert evaluate_group([_p(s) for s in statuses]).status is expected


def test_group_completeness_and_total_lag() -> None:
    g = evaluate_group([_p(Status.OK, 1.0, 3), _p(Status.OK, 0.5, 4)])
    assert (g.complete, g.total_lag, g.partitions) == (0.5, 7, 2)
    assert evaluate_group([]).complete == 0.0


def test_commit_rate_is_commits_per_second_over_the_window() -> None:
    assert commit_rate(_window((1, 0, 0), (2, 500, 0), (3, 2000, 0))) == pytest.approx(1.0)
    assert commit_rate(_window((1, 0, 0))) == 0.0


def test_status_codes_are_burrows() -> None:
    # core/protocol/evaluator.go: NOTFOUND, OK, WARN, ERR, STOP, STALL, REWIND = 0..6
    assert [s.name for s in sorted(Status)] == [
        "NOTFOUND", "OK", "WARN", "ERR", "STOP", "STALL", "REWIND"
    ]  # fmt: skip
    assert [int(s) for s in sorted(Status)] == list(range(7))
