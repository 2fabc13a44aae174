"""Burrow's consumer-lag evaluation rules, as pure functions over a window of commits.

Source: linkedin/Burrow, ``core/internal/evaluator/caching.go`` at d327a3e2
(``evaluateConsumerStatus``, ``evaluatePartitionStatus``, ``calculatePartitionStatus`` and
the rule functions below, each named after its Go original), and the status codes of
``core/protocol/evaluator.go``. Burrow's README ("Consumer Lag Evaluation Rules") describes
the same rules in prose; where prose and code differ, this module follows the code.

A partition's window is its last N offset commits (Burrow's ``intervals``, default 10),
oldest first, each with the lag measured when the commit was seen (log-end offset then
minus the committed offset; ``None`` when not known, Burrow's nil ``Lag``).

The one deliberate difference: Burrow passes ``time.Now().Unix()`` (whole seconds) to
``checkIfOffsetsStopped``; here "now" is in milliseconds, like the commit timestamps, so a
stop is seen up to one second earlier. Nothing else differs.

No I/O, no clock: the caller passes "now".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum


class Status(IntEnum):
    """Burrow's ``StatusConstant`` values (core/protocol/evaluator.go), used as-is in metrics.

    Ordered from good to bad. Partitions get OK, WARN, STOP, STALL or REWIND; groups get
    NOTFOUND, OK, WARN or ERR.
    """

    NOTFOUND = 0
    OK = 1
    WARN = 2
    ERR = 3
    STOP = 4
    STALL = 5
    REWIND = 6


@dataclass(frozen=True)
class Commit:
    """One offset commit as Burrow stores it (``protocol.ConsumerOffset``)."""

    offset: int
    timestamp_ms: int
    lag: int | None  # log-end offset when the commit was seen minus ``offset``; None = unknown


@dataclass(frozen=True)
class PartitionEvaluation:
    """Burrow's ``PartitionStatus`` without the names (the caller knows them)."""

    status: Status
    complete: float  # filled window slots / window size (1.0 = a full window)
    current_lag: int
    start: Commit | None  # oldest commit in the window
    end: Commit | None  # newest commit in the window


@dataclass(frozen=True)
class GroupEvaluation:
    """Burrow's ``ConsumerGroupStatus``: the worst partition status, ERR for any error."""

    status: Status
    complete: float  # share of partitions whose window is complete
    total_lag: int
    partitions: int


def evaluate_partition(
    commits: Sequence[Commit],
    intervals: int,
    current_lag: int,
    broker_offsets: Sequence[int],
    now_ms: int,
    minimum_complete: float = 0.0,
) -> PartitionEvaluation:
    """``evaluatePartitionStatus``: the window's completeness, then its status.

    ``commits`` are the window's filled slots, oldest first (at most ``intervals``);
    ``broker_offsets`` are the partition's recent log-end samples (Burrow keeps
    ``intervals`` of them); ``minimum_complete`` is Burrow's ``minimum-complete``
    (default 0: evaluate any non-empty window).
    """
    if intervals < 1:
        raise ValueError("intervals must be >= 1")
    window = list(commits)[-intervals:]
    if not window:
        # "If there are no offsets, we can't do anything"
        return PartitionEvaluation(Status.OK, 0.0, current_lag, None, None)
    complete = len(window) / intervals
    status = Status.OK
    # "If the partition does not meet the completeness threshold, just return it as OK"
    if complete >= minimum_complete:
        status = calculate_partition_status(window, broker_offsets, current_lag, now_ms)
    return PartitionEvaluation(status, complete, current_lag, window[0], window[-1])


def calculate_partition_status(
    offsets: Sequence[Commit], broker_offsets: Sequence[int], current_lag: int, now_ms: int
) -> Status:
    """``calculatePartitionStatus``: the rules in Burrow's order, worst first."""
    # "If the current lag is zero, the partition is never in error"
    if current_lag > 0:
        # STOP is checked first: a problem even if the lag was zero somewhere in an old
        # window, unless the recent log-end samples show the consumer was caught up.
        if check_if_offsets_stopped(offsets, now_ms) and not check_if_recent_lag_zero(
            offsets, broker_offsets
        ):
            return Status.STOP
        # "Now check if the lag was zero at any point, and skip the rest of the checks"
        if is_lag_always_not_zero(offsets):
            if check_if_offsets_rewind(offsets):
                return Status.REWIND
            if check_if_offsets_stalled(offsets):
                return Status.STALL
            if check_if_lag_not_decreasing(offsets):
                return Status.WARN
    return Status.OK


def is_lag_always_not_zero(offsets: Sequence[Commit]) -> bool:
    """Rule 1: if the lag was ever zero in the window, the window is OK (unknown != 0)."""
    return not any(c.lag is not None and c.lag == 0 for c in offsets)


def check_if_offsets_rewind(offsets: Sequence[Commit]) -> bool:
    """Rule 2: the committed offset decreased from one commit to the next -> REWIND."""
    return any(offsets[i].offset < offsets[i - 1].offset for i in range(1, len(offsets)))


def check_if_offsets_stopped(offsets: Sequence[Commit], now_ms: int) -> bool:
    """Rule 3: time since the last commit exceeds the window's span -> STOP.

    A window of one commit spans 0 ms, so it is stopped as soon as any time has passed.
    """
    first = offsets[0].timestamp_ms
    last = offsets[-1].timestamp_ms
    return (now_ms - last) > (last - first)


def check_if_offsets_stalled(offsets: Sequence[Commit]) -> bool:
    """Rule 4: every commit in the window has the same offset (with lag > 0) -> STALL."""
    return all(offsets[i].offset == offsets[i - 1].offset for i in range(1, len(offsets)))


def check_if_lag_not_decreasing(offsets: Sequence[Commit]) -> bool:
    """Rule 5: the lag never decreased between known samples -> WARN (consumer too slow)."""
    last: int | None = None
    for c in offsets:
        if c.lag is not None:
            if last is not None and c.lag < last:
                return False
            last = c.lag
    return True


def check_if_recent_lag_zero(offsets: Sequence[Commit], broker_offsets: Sequence[int]) -> bool:
    """``checkIfRecentLagZero``: a recent log-end sample was at or below the last commit."""
    last_offset = offsets[-1].offset
    return any(b <= last_offset for b in broker_offsets)


def evaluate_group(partitions: Iterable[PartitionEvaluation]) -> GroupEvaluation:
    """``evaluateConsumerStatus``: group status = worst partition, capped at ERR.

    STOP, STALL and REWIND (codes above ERR) make the group ERR; otherwise the group
    takes the worst of OK and WARN. ``complete`` is the share of partitions whose
    window is full (0 for a group with no partitions, as Burrow does).
    """
    status = Status.OK
    total = 0
    full = 0
    lag = 0
    for p in partitions:
        total += 1
        lag += p.current_lag
        if p.status > status:
            status = Status.ERR if p.status > Status.ERR else p.status
        if p.complete == 1.0:
            full += 1
    return GroupEvaluation(status, full / total if total else 0.0, lag, total)


def commit_rate(offsets: Sequence[Commit]) -> float:
    """Commits per second over the window (not a Burrow figure): 0 with fewer than 2."""
    if len(offsets) < 2:
        return 0.0
    span_ms = offsets[-1].timestamp_ms - offsets[0].timestamp_ms
    return (len(offsets) - 1) * 1000.0 / span_ms if span_ms > 0 else 0.0
