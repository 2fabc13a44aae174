"""The commit windows (Burrow's in-memory storage, core/internal/storage/inmemory.go)."""

from __future__ import annotations

from corpactions.ops.burrow import Commit
from corpactions.ops.window import CommitWindows


def test_lag_is_the_latest_end_sample_minus_the_commit_clamped_at_zero() -> None:
    w = CommitWindows(intervals=3)
    assert w.add_commit("g", "t", 0, 5, 1000).lag is None  # no sample yet
    w.observe_end_offsets({("t", 0): 10})
    assert w.add_commit("g", "t", 0, 7, 2000).lag == 3
    assert w.add_commit("g", "t", 0, 12, 3000).lag == 0  # ahead of the sample
    assert w.add_commit("g", "t", 0, 9, 4000, lag=4).lag == 4  # given explicitly


def test_window_keeps_the_last_intervals_commits_and_end_samples() -> None:
    w = CommitWindows(intervals=2)
    for i in range(5):
        w.observe_end_offsets({("t", 0): 100 + i})
        w.add_commit("g", "t", 0, i, i * 1000)
    assert w.commits("g", "t", 0) == [Commit(3, 3000, 100), Commit(4, 4000, 100)]
    assert w.broker_offsets("t", 0) == [103, 104]


def test_min_distance_merges_frequent_commits_keeping_the_first_time() -> None:
    w = CommitWindows(intervals=5, min_distance_ms=1000)
    w.add_commit("g", "t", 0, 1, 10_000, lag=0)
    w.add_commit("g", "t", 0, 2, 10_400, lag=0)
    w.add_commit("g", "t", 0, 3, 11_500, lag=0)
    assert w.commits("g", "t", 0) == [Commit(2, 10_000, 0), Commit(3, 11_500, 0)]


def test_tombstone_forgets_the_window() -> None:
    w = CommitWindows()
    w.add_commit("g", "t", 0, 1, 1, lag=0)
    w.add_commit("h", "t", 0, 1, 1, lag=0)
    w.delete("g", "t", 0)
    assert w.commits("g", "t", 0) == []
    assert w.groups() == {"h"}
