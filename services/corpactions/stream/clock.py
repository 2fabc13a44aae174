"""The service's clock, injected so tests can move time and run "days" in seconds."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def __call__(self) -> dt.datetime:
        """The current time, timezone-aware (UTC)."""
        ...


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class FileClock:
    """Reads the time from a file holding an ISO 8601 timestamp (re-read when it changes).

    For tests and rehearsals only (``CORPACTIONS_CLOCK_FILE``): a test writes a new time
    into the file and every worker process sees it on its next tick.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._value = system_clock()

    def __call__(self) -> dt.datetime:
        st = os.stat(self.path)
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            value = dt.datetime.fromisoformat(self.path.read_text().strip())
            if value.tzinfo is None:
                raise ValueError(f"{self.path}: timestamp needs a timezone, got {value}")
            self._value, self._stamp = value.astimezone(dt.UTC), stamp
        return self._value


def clock_for(clock_file: Path | None) -> Clock:
    """The system clock, or ``CORPACTIONS_CLOCK_FILE``'s (``Settings.clock_file``)."""
    return FileClock(clock_file) if clock_file else system_clock
