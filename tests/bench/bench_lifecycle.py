"""One resolution through the lifecycle in process, where its time goes, and whether it
grows with the security's history.

Run: .venv/bin/python tests/bench/bench_lifecycle.py [--n 4000] [--rounds 3]

No Kafka: `Lifecycle.on_resolution` on a `PartitionState`, as the engine calls it, with
the ISO 20022 documents off (they are their own agent's work). The messages are
`bench_core.feed`: resolutions spread over securities with long histories, replacements
and cancellations, as a real feed carries them, every date still pending.

1. `bench-lifecycle`: the mean CPU time of one message (best of --rounds timed passes
   over a fresh state, no profiler), split into stages by a profile taken in the same run:
   py-spy's samples of this script running more passes in a child process (py-spy from
   .venv-bench or PATH; a sampler does not slow small functions more than large ones, as
   cProfile does), else cProfile's of one pass. A stage is what is spent inside the
   functions that do it (a sample's outermost such frame under `on_resolution`), as a
   share of what is spent in `on_resolution`, applied to the timed mean: decode
   (`intake.read`: size, JSON, contract, key), core (`schedule_dividend`), json
   (`schedule_json`), state (the action and history reads and writes: `history_for`,
   `put_action`, `put_entry`, `drop_event`,
   `_scheduled_action`, `remember_schedule`, the action lookup), events (`_emit`,
   `_envelope`: ids, headers, event JSON); other is the rest of `on_resolution`
   (duplicate/stale/paid checks, the outcome).
2. `bench-history`: one NEWM of a security holding 1 earlier dividend (the prior year's),
   and of one holding 100 (25 years of quarterly dividends, this year's and the prior
   year's among them): the same resolutions, taking turns, the median of each; the entry
   each adds is taken out again untimed, so the histories stay at 1 and 100.

Goals (printed): total <= 120 us; ratio 100 earlier / 1 earlier <= 1.2.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import datetime as dt
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services"))

from corpactions.contracts.topics import Topics
from corpactions.domain import configure_calendars, horizon_for, preload
from corpactions.stream.intake import Source
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.state import PartitionState
from tests.bench.bench_core import feed, synthetic
from tests.support.kafka import key_of

TOTAL_GOAL_US = 120
RATIO_GOAL = 1.2
NOW = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # before every record date of the feed

# stage -> (file, function) pairs whose cumulative time is the stage's (none calls another)
STAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "decode": (("stream/intake.py", "read"),),
    "core": (("domain/schedule.py", "schedule_dividend"),),
    "json": (("contracts/schedule.py", "schedule_json"),),
    "state": (
        ("stream/state.py", "history_for"),
        ("stream/state.py", "put_action"),
        ("stream/state.py", "put_entry"),
        ("stream/state.py", "drop_event"),
        ("stream/state.py", "get"),
        ("stream/state.py", "remember_schedule"),
        ("stream/lifecycle.py", "_scheduled_action"),
    ),
    "events": (("stream/lifecycle.py", "_emit"), ("stream/lifecycle.py", "_envelope")),
}
TOTAL = ("stream/lifecycle.py", "on_resolution")


def messages(raws: Sequence[bytes]) -> list[tuple[bytes, Source]]:
    return [(r, Source("in", 0, n, 1_478_239_200_000, key_of(r))) for n, r in enumerate(raws)]


def one_pass(life: Lifecycle, msgs: Sequence[tuple[bytes, Source]]) -> float:
    state = PartitionState()
    on_resolution = life.on_resolution
    start = time.process_time()  # CPU time: the host's other work does not count
    for raw, source in msgs:
        on_resolution(state, raw, source, NOW)
    return time.process_time() - start


def cumulative(stats: pstats.Stats, file: str, function: str) -> float:
    table = stats.stats  # type: ignore[attr-defined]
    return float(
        sum(
            row[3]
            for (path, _line, name), row in table.items()
            if name == function and path.endswith(file)
        )
    )


def cprofile_shares(life: Lifecycle, msgs: Sequence[tuple[bytes, Source]]) -> dict[str, float]:
    profile = cProfile.Profile()
    profile.enable()
    one_pass(life, msgs)
    profile.disable()
    stats = pstats.Stats(profile)
    total = cumulative(stats, *TOTAL)
    return {
        stage: sum(cumulative(stats, f, fn) for f, fn in pairs) / total
        for stage, pairs in STAGES.items()
    }


def py_spy() -> str | None:
    here = Path(__file__).resolve().parents[2] / ".venv-bench" / "bin" / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


def sampled_shares(n: int, passes: int) -> dict[str, float] | None:
    """py-spy's samples of `--spin` passes in a child process, by stage; None when py-spy
    is missing or cannot sample (it needs ptrace)."""
    spy = py_spy()
    if spy is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "samples.txt"
        command = [spy, "record", "-r", "400", "-f", "raw", "-o", str(raw), "--",
                   sys.executable, __file__, "--n", str(n), "--spin", str(passes)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ))
        if done.returncode != 0 or not raw.exists():
            return None
        lines = raw.read_text().splitlines()
    frames = {stage: [f"{f.split('/')[-1]}" for f, _ in pairs] for stage, pairs in STAGES.items()}
    names = {stage: [fn for _, fn in pairs] for stage, pairs in STAGES.items()}
    counts: collections.Counter[str] = collections.Counter()
    for line in lines:
        stack, _, count = line.rpartition(" ")
        calls = stack.split(";")
        outer = [k for k, f in enumerate(calls) if f.startswith("Lifecycle.on_resolution ")]
        if not outer:
            continue
        stage = "other"
        for f in calls[outer[-1] + 1 :]:
            function, _, where = f.partition(" (")
            function = function.rpartition(".")[2]  # Class.method -> method
            found = [
                s
                for s in STAGES
                if any(
                    function == fn and file in where
                    for fn, file in zip(names[s], frames[s], strict=True)
                )
            ]
            if found:
                stage = found[0]
                break
        counts[stage] += int(count)
    total = sum(counts.values())
    if not total:
        return None
    return {stage: counts[stage] / total for stage in STAGES}


def lifecycle_line(life: Lifecycle, msgs: Sequence[tuple[bytes, Source]], rounds: int) -> float:
    one_pass(life, msgs)  # warm: the calendars' memos, the caches of the contract
    mean_us = min(one_pass(life, msgs) for _ in range(rounds)) / len(msgs) * 1e6
    shares = sampled_shares(len(msgs), max(2, rounds))
    how = "py-spy samples of the same passes in a child process"
    if shares is None:
        shares, how = cprofile_shares(life, msgs), "cProfile of one pass (py-spy unavailable)"
    shares["other"] = 1 - sum(shares.values())
    parts = ", ".join(f"{stage} {share * mean_us:.1f}" for stage, share in shares.items())
    print(f"stages from {how}")
    verdict = "meets" if mean_us <= TOTAL_GOAL_US else "BELOW"
    print(f"goal: total <= {TOTAL_GOAL_US} us a resolution: {verdict}")
    print(f"bench-lifecycle: {parts}, total {mean_us:.1f} us")
    return mean_us


def quarterly(n: int, security: str, first_year: int) -> list[bytes]:
    """``n`` quarterly resolutions of one Tokyo security, one a quarter from
    ``first_year`` on, record dates on the 10th of each fiscal quarter's last month."""
    template = json.loads(synthetic(1, seed=28)[0])
    out = []
    for k in range(n):
        year, quarter = first_year + k // 4, k % 4
        record = dt.date(year, 3 * quarter + 3, 10)
        doc = dict(template, event_id=f"{security}-{year}-Q{quarter + 1}", message_id=f"q{k}")
        doc.update(
            security={"mic": "XTKS", "local_code": security},
            currency="JPY",
            dividend_type="quarterly",
            fiscal_year_end=f"{year}-12-31",
            record_date=record.isoformat(),
            payment_date=(record + dt.timedelta(days=45)).isoformat(),
            resolved_on=(record - dt.timedelta(days=30)).isoformat(),
            gross_amount_per_share=str(10 + k),
        )
        for optional in ("other_listings", "book_closure", "declared_total", "forecast_per_share"):
            doc.pop(optional, None)
        out.append(json.dumps(doc).encode())
    return out


def history_line(life: Lifecycle, rounds: int) -> float:
    """Median us of a NEWM with 1 and with 100 earlier dividends (see the docstring)."""
    timed: dict[int, list[float]] = {1: [], 100: []}
    states: dict[int, PartitionState] = {}
    probes: dict[int, list[tuple[bytes, Source]]] = {}
    for earlier in timed:
        # the history ends with 2025's last quarter; the probes are 2026's quarters and
        # later, each the prior year's same quarter held
        held = quarterly(100, f"H{earlier}", 2001)[-earlier:]
        state = PartitionState()
        for raw, source in messages(held):
            life.on_resolution(state, raw, source, NOW)
        assert len(state.history[f"XTKS:H{earlier}"]) == earlier
        states[earlier] = state
        probes[earlier] = messages(quarterly(104, f"H{earlier}", 2001)[100:])
    for _ in range(rounds * 50):
        for k in range(4):
            for earlier, state in states.items():
                raw, source = probes[earlier][k]
                start = time.perf_counter()
                life.on_resolution(state, raw, source, NOW)
                timed[earlier].append(time.perf_counter() - start)
                event_id = json.loads(raw)["event_id"]
                del state.actions[event_id]  # untimed: back to the same history
                state.drop_event(f"XTKS:H{earlier}", event_id)
                state.schedule_cache.clear()
    one, hundred = (statistics.median(timed[k]) * 1e6 for k in (1, 100))
    ratio = hundred / one
    verdict = "meets" if ratio <= RATIO_GOAL else "BELOW"
    print(f"goal: 100 earlier / 1 earlier <= {RATIO_GOAL}: {verdict}")
    print(f"bench-history: 1 earlier dividend {one:.1f} us, 100 earlier {hundred:.1f} us, "
          f"ratio {ratio:.2f}")  # fmt: skip
    return ratio


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=4000, help="messages of the feed")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes (best kept)")
    parser.add_argument("--spin", type=int, help=argparse.SUPPRESS)  # py-spy's child
    args = parser.parse_args(argv)
    configure_calendars(horizon_for(dt.date.today()))
    preload()
    life = Lifecycle(Topics(prefix=""))
    msgs = messages(feed(args.n))
    if args.spin:
        for _ in range(args.spin + 1):  # the first pass warms, as in lifecycle_line
            one_pass(life, msgs)
        return 0
    lifecycle_line(life, msgs, args.rounds)
    history_line(life, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
