"""Sliding windows of offset commits per (group, topic, partition), as Burrow stores them.

Source: linkedin/Burrow ``core/internal/storage/inmemory.go`` (``addConsumerOffset``,
``mergeFrequentCommitIntoPrevious``, ``addBrokerOffset``): a ring of ``intervals`` commits
per consumed partition and a ring of ``intervals`` log-end samples per partition; a
commit's lag is the partition's latest log-end sample minus the committed offset, clamped
at 0 ("because we only get broker offsets periodically, it's possible the consumer offset
could be ahead"). A commit closer than ``min_distance_ms`` to the previous one replaces it
and keeps the previous timestamp (Burrow's ``min-distance``, default 0 = off).

Differences, both because we read one ordered log rather than several sources:
- commits arrive in log order, so Burrow's out-of-order insertion (``Order``) is not needed;
- a commit for a partition with no log-end sample yet is kept with an unknown lag
  (Burrow drops it); the tracker samples every committed partition before adding commits,
  so this only happens when a topic vanished meanwhile.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping

from corpactions.ops.burrow import Commit

TopicPartitionKey = tuple[str, int]
WindowKey = tuple[str, str, int]  # group, topic, partition


class CommitWindows:
    """The commit windows of the groups being watched, plus log-end samples."""

    def __init__(self, intervals: int = 10, min_distance_ms: int = 0) -> None:
        if intervals < 1:
            raise ValueError("intervals must be >= 1")
        self.intervals = intervals
        self.min_distance_ms = min_distance_ms
        self._commits: dict[WindowKey, deque[Commit]] = {}
        self._ends: dict[TopicPartitionKey, deque[int]] = {}

    # -- log-end samples (Burrow: addBrokerOffset) ------------------------------------
    def observe_end_offsets(self, ends: Mapping[TopicPartitionKey, int]) -> None:
        for key, end in ends.items():
            ring = self._ends.get(key)
            if ring is None:
                ring = self._ends[key] = deque(maxlen=self.intervals)
            ring.append(end)

    def latest_end(self, topic: str, partition: int) -> int | None:
        ring = self._ends.get((topic, partition))
        return ring[-1] if ring else None

    def broker_offsets(self, topic: str, partition: int) -> list[int]:
        return list(self._ends.get((topic, partition), ()))

    # -- commits (Burrow: addConsumerOffset) ------------------------------------------
    def add_commit(
        self,
        group: str,
        topic: str,
        partition: int,
        offset: int,
        timestamp_ms: int,
        lag: int | None = None,
    ) -> Commit:
        """Append one commit; ``lag`` defaults to the latest log-end sample minus ``offset``."""
        if lag is None:
            end = self.latest_end(topic, partition)
            lag = None if end is None else max(0, end - offset)
        key = (group, topic, partition)
        ring = self._commits.get(key)
        if ring is None:
            ring = self._commits[key] = deque(maxlen=self.intervals)
        if ring and timestamp_ms - ring[-1].timestamp_ms < self.min_distance_ms:
            # mergeFrequentCommitIntoPrevious: replace the previous commit, keep its time,
            # so a consumer committing faster than min-distance still fills new slots.
            timestamp_ms = ring.pop().timestamp_ms
        commit = Commit(offset, timestamp_ms, lag)
        ring.append(commit)
        return commit

    def delete(self, group: str, topic: str, partition: int) -> None:
        """An offset tombstone (offsets deleted or expired): forget the window."""
        self._commits.pop((group, topic, partition), None)

    def commits(self, group: str, topic: str, partition: int) -> list[Commit]:
        return list(self._commits.get((group, topic, partition), ()))

    def keys(self) -> Iterator[WindowKey]:
        return iter(list(self._commits))

    def groups(self) -> set[str]:
        return {g for g, _, _ in self._commits}
