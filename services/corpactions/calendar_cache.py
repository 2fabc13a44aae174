"""The trading days exchange_calendars computes, kept on disk, so a short command needs
no pandas.

Building a calendar imports pandas (about a second) and computes the sessions (a few
hundred ms a market); `corpactions schedule` itself takes milliseconds. `SessionsCache`
is a `calendars.SessionsSource`: it answers from a file when one matches, else computes
with `calendars.trading_days` and writes the file for the next run.

A file is keyed by everything the sessions depend on: the exchange_calendars version
installed (its holiday rules change between releases), the calendar (a MIC, as
exchange_calendars names it: any calendar the library has, so a market added to
markets.toml needs nothing here), and the first and last day built (the horizon). A
file that is missing, unreadable, truncated, of another format or for another key is
rebuilt; files are replaced atomically, so concurrent runs never read half of one.
Settlement rules (markets.toml) are not in the files: they apply on top, each run.

Files live in ``CORPACTIONS_CACHE/calendars/``, else in the user's cache directory
(``platformdirs``: ``$XDG_CACHE_HOME/corpactions/calendars``, by default
``~/.cache/corpactions/calendars``), never beside the installed package (site-packages
is often read-only: an image, a system install); deleting the folder is always safe.

A read-only seed is looked in when that folder has no file: ``<sys.prefix>/share/
corpactions/calendars/``, which an image fills at build time (``python -m
corpactions.calendar_cache --build``, deploy/Dockerfile), so a pod with a read-only root
filesystem starts warm, computing nothing and writing nothing. A file found there is not
copied; one the seed lacks (another horizon) is computed and written to the folder.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import json
import logging
import os
import sys
import tempfile
import zoneinfo
from pathlib import Path
from typing import Any, Final

from corpactions.domain.calendars import SessionsSource, trading_days

FORMAT: Final = 2  # of the files: a new layout gets a new number, old files are rebuilt
LIBRARY: Final = "exchange_calendars"

log = logging.getLogger(__name__)


def library_version() -> str:
    """The installed exchange_calendars version, without importing it (which imports
    pandas) and without importlib.metadata's scan of every distribution (slow)."""
    spec = importlib.util.find_spec(LIBRARY)
    if spec is not None and spec.origin is not None:
        site = Path(spec.origin).parent.parent
        found = list(site.glob(f"{LIBRARY}-*.dist-info"))
        if len(found) == 1:
            return found[0].name.removeprefix(f"{LIBRARY}-").removesuffix(".dist-info")
    from importlib.metadata import version  # an unusual layout: ask the slow way

    return version(LIBRARY)


class SessionsCache:
    """A `SessionsSource` that keeps what `compute` returns under `folder`."""

    def __init__(
        self,
        folder: Path,
        compute: SessionsSource = trading_days,
        version: str | None = None,
        seeds: tuple[Path, ...] = (),
    ) -> None:
        self.folder = folder
        self.compute = compute
        self._version = version
        self.seeds = seeds  # read-only folders of the same layout, looked in after folder

    @property
    def version(self) -> str:
        if self._version is None:
            self._version = library_version()
        return self._version

    def path(self, calendar: str, start: dt.date, end: dt.date, folder: Path | None = None) -> Path:
        name = f"{calendar}_{start.isoformat()}_{end.isoformat()}.json"
        return (folder or self.folder) / f"{LIBRARY}-{self.version}" / name

    def __call__(
        self, calendar: str, start: dt.date, end: dt.date
    ) -> tuple[list[dt.date], dt.tzinfo, dt.date]:
        path = self.path(calendar, start, end)
        for folder in (self.folder, *self.seeds):
            cached = self._read(self.path(calendar, start, end, folder), calendar, start, end)
            if cached is not None:
                return cached
        sessions, tz, built_to = self.compute(calendar, start, end)
        self._write(path, calendar, start, end, sessions, tz, built_to)
        return sessions, tz, built_to

    def _key(self, calendar: str, start: dt.date, end: dt.date) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "library": LIBRARY,
            "version": self.version,
            "calendar": calendar,
            "start": start.isoformat(),
            "end": end.isoformat(),
        }

    def _read(
        self, path: Path, calendar: str, start: dt.date, end: dt.date
    ) -> tuple[list[dt.date], dt.tzinfo, dt.date] | None:
        """The file's sessions if it is whole and for this key, else None (rebuild)."""
        try:
            data = json.loads(path.read_bytes())
            if not isinstance(data, dict) or data.get("key") != self._key(calendar, start, end):
                return None
            tz = zoneinfo.ZoneInfo(data["tz"])
            built_to = dt.date.fromisoformat(data["built_to"])
            if not start <= built_to <= end:
                return None
            ordinals = data["sessions"]
            if not isinstance(ordinals, list) or len(ordinals) != data["count"] or not ordinals:
                return None
            # strictly increasing (sorted, no repeats), inside the span asked for
            if ordinals != sorted(set(ordinals)):
                return None
            if ordinals[0] < start.toordinal() or ordinals[-1] > built_to.toordinal():
                return None
            sessions = [dt.date.fromordinal(o) for o in ordinals]  # TypeError: not ints
        except (OSError, ValueError, KeyError, TypeError, zoneinfo.ZoneInfoNotFoundError):
            return None
        return sessions, tz, built_to

    def _write(
        self,
        path: Path,
        calendar: str,
        start: dt.date,
        end: dt.date,
        sessions: list[dt.date],
        tz: dt.tzinfo,
        built_to: dt.date,
    ) -> None:
        key = getattr(tz, "key", None)  # a ZoneInfo's IANA name; anything else: not kept
        if not isinstance(key, str):
            log.warning("calendar %s: time zone %r has no IANA name; not cached", calendar, tz)
            return
        document = {
            "key": self._key(calendar, start, end),
            "tz": key,
            "built_to": built_to.isoformat(),  # the calendar's own end, if before `end`
            "count": len(sessions),
            "sessions": [d.toordinal() for d in sessions],
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            try:
                os.fchmod(fd, 0o644)  # mkstemp makes it 0600: readable by all, as .cache is
                with os.fdopen(fd, "w") as f:
                    json.dump(document, f, separators=(",", ":"))
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as e:  # a read-only or full disk costs speed, never an answer
            log.warning("calendar cache %s not written: %s", path, e)


def default_cache() -> SessionsCache:
    """The cache in the settings' folder (``Settings.calendar_cache``): one object per
    folder, so configuring the calendars with it again (each `corpactions schedule` run
    in one process) keeps the indexes already built."""
    from corpactions.settings import Settings

    return cache_in(Settings.from_env().calendar_cache)


def image_seed() -> Path:
    """The read-only seed an image builds: ``<sys.prefix>/share/corpactions/calendars``."""
    return Path(sys.prefix) / "share" / "corpactions" / "calendars"


@functools.cache
def cache_in(folder: Path) -> SessionsCache:
    """The cache kept in `folder` (the worker's: ``settings.calendar_cache``), with the
    image's seed behind it."""
    seed = image_seed()
    return SessionsCache(folder, seeds=() if seed == folder else (seed,))


def build(folder: Path, today: dt.date | None = None, horizon_years: int | None = None) -> int:
    """Compute every market's sessions for the horizon a worker started ``today`` uses,
    into ``folder`` (an image's seed at build time); the number of calendars written."""
    from corpactions.domain import configure_calendars, preload
    from corpactions.domain.markets import MARKETS
    from corpactions.settings import Settings

    settings = Settings.from_env()
    if horizon_years is not None:
        settings = settings.replace(calendar_horizon_years=horizon_years)
    cache = SessionsCache(folder)
    configure_calendars(settings.calendar_horizon(today or dt.date.today()), cache)
    preload()
    return len({m.calendar for m in MARKETS})


def _main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--build":
        count = build(Path(argv[1]))
        print(f"{count} calendars cached in {argv[1]}")
        return 0
    print("usage: python -m corpactions.calendar_cache --build FOLDER", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
