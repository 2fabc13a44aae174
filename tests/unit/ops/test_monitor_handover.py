"""The lag monitor samples only while its worker holds input partition 0."""

from __future__ import annotations

import asyncio
from typing import Any

from corpactions.ops import monitor as monitor_module
from corpactions.ops.lag import LagReport
from corpactions.ops.monitor import LagMonitor


class FakeTracker:
    def __init__(self) -> None:
        self.calls: list[str] = []

    async def start(self) -> None:
        self.calls.append("start")

    async def sample(self) -> LagReport:
        self.calls.append("sample")
        return LagReport(taken_at=0.0, groups=(), end_offsets={})

    async def stop(self) -> None:
        self.calls.append("stop")


async def test_only_the_active_worker_samples_and_a_handover_starts_over(
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(monitor_module, "INACTIVE_CHECK_S", 0.01)
    tracker = FakeTracker()
    holds_partition_0 = False
    monitor = LagMonitor(tracker, 0.01, active=lambda: holds_partition_0)  # type: ignore[arg-type]
    await monitor.start()
    try:
        await asyncio.sleep(0.1)
        assert tracker.calls == []  # another worker holds partition 0
        assert monitor.latest is None

        holds_partition_0 = True
        await asyncio.sleep(0.1)
        assert tracker.calls[:2] == ["start", "sample"]
        assert monitor.latest is not None
        assert monitor.last_success is not None

        holds_partition_0 = False  # partition 0 moved on
        await asyncio.sleep(0.1)
        assert tracker.calls[-1] == "stop"
        assert monitor.latest is None  # its series are no longer exported here
        assert monitor.last_success is None

        n = len(tracker.calls)
        holds_partition_0 = True  # and came back
        await asyncio.sleep(0.1)
        assert tracker.calls[n : n + 2] == ["start", "sample"]
    finally:
        await monitor.stop()
