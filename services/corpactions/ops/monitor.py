"""The worker's lag monitor: one :class:`LagTracker` sampled every ``interval_s``.

Its latest report feeds ``/metrics/``. It samples only while ``active()`` says so: in
the worker, while it holds input partition 0, so that one replica of the group watches
the lag, not every one (each sample reads ``__consumer_offsets`` and asks the cluster
for every watched group's offsets). When partition 0 moves, the old holder stops
(its lag series disappear from its ``/metrics/``) and the new one starts, reading the
commit history anew (checked every second while inactive). A sample that fails with a Kafka error is
logged and counted (``corpactions_lag_monitor_failures_total``) and the next interval
tries again: the monitor watches the service, it must not stop it. Any other error is
a bug: the monitor stops, logs it, and ``corpactions_lag_monitor_last_success_timestamp_
seconds`` stops moving (an alert rule watches that).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from aiokafka.errors import KafkaError

from corpactions.ops.lag import LagReport, LagTracker

log = logging.getLogger(__name__)
INACTIVE_CHECK_S = 1.0  # how soon an inactive monitor notices it should sample


class LagMonitor:
    def __init__(
        self,
        tracker: LagTracker,
        interval_s: float,
        clock: Callable[[], float] = time.time,
        active: Callable[[], bool] = lambda: True,
    ) -> None:
        self.tracker = tracker
        self.interval_s = interval_s
        self.clock = clock
        self.active = active
        self.latest: LagReport | None = None
        self.samples = 0
        self.failures = 0
        self.last_success: float | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = False

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="corpactions-lag-monitor")
        self._task.add_done_callback(_log_crash)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._started:
            self._started = False
            await self.tracker.stop()

    async def sample(self) -> LagReport | None:
        """One sample now (the loop calls this; tests may too)."""
        try:
            if not self._started:
                await self.tracker.start()
                self._started = True
            report = await self.tracker.sample()
        except KafkaError as exc:
            self.failures += 1
            log.warning("lag sample failed (%r); retrying in %.1fs", exc, self.interval_s)
            return None
        self.latest = report
        self.samples += 1
        self.last_success = self.clock()
        return report

    async def deactivate(self) -> None:
        """Stop sampling: close the tracker, forget the last report (not exported)."""
        self.latest = None
        self.last_success = None
        if self._started:
            self._started = False
            await self.tracker.stop()

    async def _run(self) -> None:
        while True:
            if self.active():
                await self.sample()
                await asyncio.sleep(self.interval_s)
            else:
                if self._started or self.latest is not None:
                    log.info("lag monitor handed over: this worker no longer holds partition 0")
                    await self.deactivate()
                await asyncio.sleep(min(self.interval_s, INACTIVE_CHECK_S))


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("lag monitor stopped", exc_info=task.exception())
