"""Throughput of the dividend core on one CPU core, next to pydantic parsing alone.

Run: .venv/bin/python tests/bench/bench_core.py [--n 4000] [--seconds 2]

Figures (resolutions per second, best of 3 timed passes over a varied synthetic set:
Tokyo and the US (two thirds) and the other fourteen markets' MICs (XLON, XPAR, XAMS,
XBRU, XLIS, XETR, XFRA, XSWX, XTSE, XASX, XHKG, XSES, XKRX; each only on record dates it
schedules), record dates 2001-2030 so every settlement era, JPY / USD / EUR / GBP / ...,
some with an ADS listing, a Hong Kong book closure, a declared total, eligible shares or
a forecast):
- core: `schedule_dividend` (validate + schedule) on already-decoded BoardResolutions
- core+view: `compute_schedule`, i.e. core plus building the pydantic ScheduleView
- parse-only: `decode_resolution` (what the service decodes with: the model's
  `model_validate_json`, natively first, contracts/native.py) on raw JSON bytes, and
  `BoardResolution.model_validate_json` itself
- core+parse: raw JSON bytes -> BoardResolution -> `schedule_dividend`
- full via models: raw JSON bytes -> `compute_schedule` -> `model_dump_json`
- full as the service does: raw JSON bytes -> `decode_resolution` -> `schedule_dividend`
  -> `schedule_json` (the same bytes without building the view models), and its ratio to
  the line above
- notification: the seev.031 NEWM the worker writes beside each schedule
  (`notification` of a decoded resolution and its schedule's ex-date)
The last line is `bench-core: core S/s, parse-only P/s, core+parse C/s`.

Calendars are built before timing (as the service does at start-up, `preload`); the
first pass, with the per-day ex-date memo still cold, is reported separately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services"))

from corpactions.contracts.board_resolution import BoardResolution, decode_resolution
from corpactions.contracts.schedule import compute_schedule, schedule_json
from corpactions.domain import configure_calendars, horizon_for, preload, schedule_dividend
from corpactions.notifications import notification

GOAL = 100_000
_EARLY, _LATE = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def synthetic(
    n: int,
    seed: int = 20161104,
    record_dates: tuple[dt.date, dt.date] = (dt.date(2001, 1, 1), dt.date(2030, 11, 30)),
) -> list[bytes]:
    """`n` varied, valid board resolutions as JSON bytes, record dates drawn from
    ``record_dates`` (inclusive)."""
    rng = random.Random(seed)
    markets = [
        ("XTKS", "JPY", 0, "3774"),
        ("XNYS", "USD", 4, "KO"),
        ("XNAS", "USD", 4, "AAPL"),
        ("XNYS", "EUR", 3, "SAP"),
        ("XTKS", "GBP", 2, "9999"),
    ]
    # the markets of issue 22, with the record dates each schedules (Germany from 2017,
    # Singapore to its calendar's end in exchange_calendars)
    more = [
        ("XLON", "GBP", 4, "HSBA", _EARLY, _LATE),
        ("XPAR", "EUR", 2, "MC", _EARLY, _LATE),
        ("XAMS", "EUR", 2, "ASML", _EARLY, _LATE),
        ("XBRU", "EUR", 2, "ABI", _EARLY, _LATE),
        ("XLIS", "EUR", 3, "EDP", _EARLY, _LATE),
        ("XETR", "EUR", 2, "CON", dt.date(2017, 1, 1), _LATE),
        ("XFRA", "EUR", 2, "SAP", dt.date(2017, 1, 1), _LATE),
        ("XSWX", "CHF", 2, "NESN", _EARLY, _LATE),
        ("XTSE", "CAD", 4, "RY", _EARLY, _LATE),
        ("XASX", "AUD", 2, "CBA", _EARLY, _LATE),
        ("XHKG", "HKD", 3, "5", _EARLY, _LATE),
        ("XSES", "SGD", 2, "D05", _EARLY, dt.date(2026, 12, 31)),
        ("XKRX", "KRW", 0, "005930", _EARLY, _LATE),
    ]
    first, last = (d.toordinal() for d in record_dates)
    out = []
    for i in range(n):
        record = dt.date.fromordinal(rng.randint(first, last))
        if rng.random() < 2 / 3:
            mic, currency, max_decimals, code = rng.choice(markets)
        else:
            open_on = [m[:4] for m in more if m[4] <= record <= m[5]]
            mic, currency, max_decimals, code = rng.choice(open_on)
        decimals = rng.randint(0, max_decimals) if currency != "JPY" else rng.choice((0, 2))
        rate_units = rng.randint(1, 50_000)
        rate = str(Decimal(rate_units).scaleb(-decimals))  # e.g. 13.50, 0.2875: no float
        shares = rng.randint(1_000_000, 5_000_000_000)
        doc: dict[str, Any] = {
            "message_id": f"bench-{i}",
            "event_id": f"bench-event-{i}",
            "function": "NEWM",
            "version": 1,
            "resolved_on": (record + dt.timedelta(days=rng.randint(-40, 40))).isoformat(),
            "issuer": {"name": f"Issuer {i}"},
            "security": {"local_code": f"{code}{i}", "mic": mic},
            "dividend_type": rng.choice(["interim", "year_end", "quarterly", "regular"]),
            "fiscal_year_end": dt.date(record.year, 12, 31).isoformat(),
            "currency": currency,
            "gross_amount_per_share": rate,
            "record_date": record.isoformat(),
            "payment_date": (record + dt.timedelta(days=rng.randint(41, 70))).isoformat(),
            "source_of_funds": "retained_earnings",
        }
        if rng.random() < 0.3:
            other = "XNAS" if mic == "XTKS" else "XTKS"
            doc["other_listings"] = [{"mic": other, "symbol": "ADS", "shares_per_unit": "0.5"}]
        if mic == "XHKG" and rng.random() < 0.5:  # the register closes up to the record date
            closes = record - dt.timedelta(days=rng.randint(0, 5))
            doc["book_closure"] = {"first_day": closes.isoformat(), "last_day": record.isoformat()}
        if rng.random() < 0.5:
            doc["eligible_shares"] = shares
        if rng.random() < 0.4:
            millions = shares * rate_units // (10**decimals * 1_000_000)  # truncated, exact
            doc["declared_total"] = {
                "amount": str(millions),
                "unit": 1_000_000,
                "rounding": "truncate",
            }
        if rng.random() < 0.3:
            doc["forecast_per_share"] = {"amount": rate, "disclosed_on": record.isoformat()}
        out.append(json.dumps(doc).encode())
    return out


def feed(n: int, seed: int = 28, per_security: int = 25) -> list[bytes]:
    """`n` messages as a real feed carries them: the resolutions of `synthetic` spread over
    securities (about ``per_security`` each on average, a skewed few with well over 100
    earlier dividends), each security keeping its market and currency; about one message
    in seven a replacement (REPL, the next version, another rate) and one in twenty-five a
    cancellation (CANC) of an earlier event still live. Record dates run 2001-2030 in
    random order, so `now` before 2001 leaves every date pending."""
    rng = random.Random(seed)
    base = [json.loads(r) for r in synthetic(n, seed)]
    pools: dict[tuple[str, str], list[str]] = {}
    weights: dict[tuple[str, str], list[float]] = {}
    live: list[dict[str, Any]] = []  # the latest version of each event not cancelled
    out: list[bytes] = []
    for i, doc in enumerate(base):
        roll = rng.random()
        if live and roll < 1 / 25:
            at = rng.randrange(len(live))
            last = live.pop(at)
            cancel = dict(last, function="CANC", version=last["version"] + 1)
            cancel["message_id"] = f"feed-canc-{i}"
            out.append(json.dumps(cancel).encode())
            continue
        if live and roll < 1 / 25 + 1 / 7:
            at = rng.randrange(len(live))
            last = live[at]
            units = rng.randint(1, 50_000)
            exponent = Decimal(last["gross_amount_per_share"]).as_tuple().exponent
            assert isinstance(exponent, int)
            repl = dict(last, function="REPL", version=last["version"] + 1)
            repl["message_id"] = f"feed-repl-{i}"
            repl["gross_amount_per_share"] = str(Decimal(units).scaleb(exponent))
            repl.pop("declared_total", None)  # its total was for the earlier rate
            repl.pop("forecast_per_share", None)
            live[at] = repl
            out.append(json.dumps(repl).encode())
            continue
        market = (doc["security"]["mic"], doc["currency"])
        pool = pools.setdefault(market, [])
        if not pool or rng.random() < 1 / per_security:
            pool.append(f"{doc['security']['local_code']}")
            weights.setdefault(market, []).append(rng.paretovariate(1.2))
        doc["security"] = dict(doc["security"], local_code=rng.choices(pool, weights[market])[0])
        live.append(doc)
        out.append(json.dumps(doc).encode())
    return out


def rate(label: str, items: Sequence[Any], work: Callable[[Any], object], seconds: float) -> float:
    """Best per-second figure of 3 timed passes; each pass repeats the set for ~seconds/3."""
    best = 0.0
    for _ in range(3):
        done = 0
        start = time.perf_counter()
        while True:
            for item in items:
                work(item)
            done += len(items)
            elapsed = time.perf_counter() - start
            if elapsed >= seconds / 3:
                break
        best = max(best, done / elapsed)
    print(f"{label}: {best:,.0f}/s ({1e6 / best:.1f} us each)")
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=4000, help="distinct resolutions")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per figure")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    configure_calendars(horizon_for(dt.date.today()))
    preload()
    print(f"calendars built once: {time.perf_counter() - t0:.2f}s (XTKS, XNYS, XNAS, ...)")
    raw = synthetic(args.n)
    decoded = [BoardResolution.model_validate_json(r) for r in raw]

    start = time.perf_counter()
    for r in decoded:
        schedule_dividend(r)
    cold = len(decoded) / (time.perf_counter() - start)
    print(f"core, first pass (cold ex-date memo): {cold:,.0f}/s")

    core = rate(
        "core (validate + schedule, decoded input)", decoded, schedule_dividend, args.seconds
    )
    rate("core+view (compute_schedule -> ScheduleView)", decoded, compute_schedule, args.seconds)
    parse = rate("parse-only (decode_resolution)", raw, decode_resolution, args.seconds)
    rate("parse-only (BoardResolution.model_validate_json)", raw,
         BoardResolution.model_validate_json, args.seconds)  # fmt: skip
    both = rate(
        "core+parse (JSON bytes -> schedule)",
        raw,
        lambda b: schedule_dividend(decode_resolution(b)),
        args.seconds,
    )
    models = rate(
        "full via models (JSON bytes -> compute_schedule -> model_dump_json)",
        raw,
        lambda b: compute_schedule(BoardResolution.model_validate_json(b)).model_dump_json(),
        args.seconds,
    )

    def service_path(b: bytes) -> bytes:
        resolution = decode_resolution(b)
        return schedule_json(resolution, schedule_dividend(resolution))

    fast = rate("full as the service does (-> schedule_json, same bytes)", raw, service_path,
                args.seconds)  # fmt: skip
    print(f"full: service path / models = {fast / models:.2f}x")
    notified = [(r, schedule_dividend(r).ex_date) for r in decoded]
    rate("notification (seev.031 NEWM, decoded resolution + ex-date -> XML)", notified,
         lambda pair: notification(*pair), args.seconds)  # fmt: skip
    verdict = "meets" if core >= GOAL else "BELOW"
    print(f"goal {GOAL:,}/s for the core: {verdict}")
    print(f"bench-core: core {core:,.0f}/s, parse-only {parse:,.0f}/s, core+parse {both:,.0f}/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
