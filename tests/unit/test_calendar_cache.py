"""The trading-day cache (calendar_cache.py): the same tables as exchange_calendars
computes, for every configured market; rebuilt when missing, damaged or stale; and a
`corpactions schedule` on a warm cache that never imports pandas."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest

from corpactions.calendar_cache import SessionsCache, library_version
from corpactions.domain import configure_calendars
from corpactions.domain.calendars import build_sessions, trading_days
from corpactions.domain.horizon import BUILD_START, FIRST_RECORD_DATE, build_end
from corpactions.domain.markets import MARKETS
from tests.conftest import TEST_HORIZON

from .resolutions import EXAMPLE

END = build_end(TEST_HORIZON)


class Counting:
    """A `SessionsSource` that counts its calls (a stand-in for exchange_calendars)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(
        self, calendar: str, start: dt.date, end: dt.date
    ) -> tuple[list[dt.date], dt.tzinfo, dt.date]:
        self.calls += 1
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        return [d for d in days if d.weekday() < 5], zoneinfo.ZoneInfo("Asia/Tokyo"), end


def _refuse(
    calendar: str, start: dt.date, end: dt.date
) -> tuple[list[dt.date], dt.tzinfo, dt.date]:
    raise AssertionError(f"computed {calendar} although the cache holds it")


@pytest.mark.parametrize("market", MARKETS, ids=[m.key for m in MARKETS])
def test_cached_tables_equal_freshly_computed_ones_for_every_market(
    market: object, tmp_path: Path
) -> None:
    assert hasattr(market, "calendar")
    calendar: str = market.calendar  # type: ignore[attr-defined]
    fresh_days, fresh_tz, fresh_end = trading_days(calendar, BUILD_START, END)
    written = SessionsCache(tmp_path)(calendar, BUILD_START, END)  # computes, writes
    read = SessionsCache(tmp_path, compute=_refuse)(calendar, BUILD_START, END)
    for days, tz, built_to in (written, read):
        assert built_to == fresh_end  # the calendar's own end (XSES), else END
        assert days == fresh_days
        assert str(tz) == str(fresh_tz)
        assert tz.utcoffset(dt.datetime(2024, 7, 1)) == fresh_tz.utcoffset(dt.datetime(2024, 7, 1))
    # and so the index the core bisects, field by field
    horizon = min(TEST_HORIZON, fresh_end)
    built = [
        build_sessions(market, d, tz, FIRST_RECORD_DATE, horizon)  # type: ignore[arg-type]
        for d, tz, _ in ((fresh_days, fresh_tz, fresh_end), read)
    ]
    for f in dataclasses.fields(built[0]):
        assert getattr(built[0], f.name) == getattr(built[1], f.name), f.name


def test_the_files_are_keyed_by_library_version_calendar_and_span(tmp_path: Path) -> None:
    compute = Counting()
    SessionsCache(tmp_path, compute, version="4.13.2")("XTKS", BUILD_START, END)
    SessionsCache(tmp_path, compute, version="4.13.2")("XTKS", BUILD_START, END)
    assert compute.calls == 1
    SessionsCache(tmp_path, compute, version="4.14.0")("XTKS", BUILD_START, END)  # upgrade
    SessionsCache(tmp_path, compute, version="4.14.0")("XNYS", BUILD_START, END)  # other MIC
    later = END + dt.timedelta(days=366)
    SessionsCache(tmp_path, compute, version="4.14.0")("XNYS", BUILD_START, later)  # horizon
    assert compute.calls == 4
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json")) == [
        f"exchange_calendars-4.13.2/XTKS_1999-10-01_{END}.json",
        f"exchange_calendars-4.14.0/XNYS_1999-10-01_{END}.json",
        f"exchange_calendars-4.14.0/XNYS_1999-10-01_{later}.json",
        f"exchange_calendars-4.14.0/XTKS_1999-10-01_{END}.json",
    ]


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: "",
        lambda text: "not json",
        lambda text: text.replace('"format":2', '"format":1'),  # an older layout
        lambda text: text.replace('"calendar":"XTKS"', '"calendar":"XNYS"'),  # another key
        lambda text: text.replace('"tz":"Asia/Tokyo"', '"tz":"Nowhere/Atlantis"'),
        lambda text: text.replace('"sessions":[', '"sessions":[730000,'),  # out of order
        lambda text: text.replace('"sessions":[', '"sessions":["x",'),
        lambda text: json.dumps({**json.loads(text), "count": 3}),  # lines lost
    ],
    ids=["truncated", "empty", "garbage", "format", "key", "tz", "order", "type", "count"],
)
def test_a_damaged_or_foreign_file_is_rebuilt(tmp_path: Path, damage: object) -> None:
    compute = Counting()
    cache = SessionsCache(tmp_path, compute, version="1")
    expected = cache("XTKS", BUILD_START, END)
    path = cache.path("XTKS", BUILD_START, END)
    path.write_text(damage(path.read_text()))  # type: ignore[operator]
    assert cache("XTKS", BUILD_START, END) == expected
    assert compute.calls == 2
    assert SessionsCache(tmp_path, _refuse, version="1")("XTKS", BUILD_START, END) == expected


def test_an_unwritable_folder_costs_speed_not_an_answer(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")  # a file where the folder should be: mkdir fails
    compute = Counting()
    cache = SessionsCache(blocker / "calendars", compute, version="1")
    assert cache("XTKS", BUILD_START, END) == cache("XTKS", BUILD_START, END)
    assert compute.calls == 2


def test_library_version_is_the_installed_one() -> None:
    from importlib.metadata import version

    assert library_version() == version("exchange_calendars")


# What `corpactions schedule` never needs on a warm cache, each a large import: the calendar
# library and pandas (the cache holds the sessions), the Kafka clients, pydantic-settings
# (not a dependency: it cost every command more than reading every variable), and the
# service's modules for other commands or other contracts (no --history, no seev031).
NOT_FOR_SCHEDULE = (
    "{'pandas', 'numpy', 'exchange_calendars', 'aiokafka', 'faust', 'pydantic_settings'}",
    "('corpactions.broker', 'corpactions.stream', 'corpactions.ops', "
    "'corpactions.notifications', 'corpactions.contracts.events', "
    "'corpactions.contracts.forecast', 'corpactions.contracts.inbound')",
)


def test_schedule_on_a_warm_cache_imports_only_what_it_uses_and_prints_the_same(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "CORPACTIONS_CACHE": str(tmp_path)}
    libraries, modules = NOT_FOR_SCHEDULE
    code = (
        "import sys\n"
        "from corpactions.cli import main\n"
        f"assert main(['schedule', {str(EXAMPLE)!r}]) == 0\n"
        "sys.stderr.write(repr(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{libraries} or m.startswith({modules}))))\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
    cold, warm = runs
    assert "pandas" in cold.stderr  # the first run built the tables
    assert warm.stderr == "[]"
    assert warm.stdout == cold.stdout
    assert list((tmp_path / "calendars").rglob("*.json"))


def test_schedule_runs_in_one_process_keep_the_indexes_built(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpactions.cli import main
    from corpactions.domain import calendar_index

    monkeypatch.setenv("CORPACTIONS_CACHE", str(tmp_path))
    try:
        assert main(["schedule", str(EXAMPLE)]) == 0
        first = calendar_index("XTKS")
        assert main(["schedule", str(EXAMPLE)]) == 0
        assert calendar_index("XTKS") is first  # not dropped and rebuilt per run
    finally:
        configure_calendars(TEST_HORIZON)  # the other tests' source
    capsys.readouterr()
