"""Wall time of `corpactions schedule FILE` as a user runs it, against the goal of 0.5 s.

Run: .venv/bin/python tests/bench/bench_cli.py [--runs 9] [FILE]

Each figure is the median of `--runs` runs of the installed console script (a fresh
process each: interpreter start, imports, settings, calendars, the schedule), after one
unmeasured run that warms the calendar cache (``.cache/calendars``, see
calendar_cache.py). Also timed: `corpactions --help`, which imports no command.

The process's CPU time is printed beside the wall time: on a shared machine the wall
time includes waiting for a core, the CPU time does not. A last line counts the modules
`schedule` imported without a bytecode cache (compiled from source on every run, as
happens where PYTHONDONTWRITEBYTECODE is set and nothing compiled them: `make setup`
does); it should be 0.

The last line is `bench-cli: schedule S s (goal <= 0.5 s), --help H s`.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "schemas" / "examples" / "board-resolution.iij-fy2016-interim.json"
GOAL_S = 0.5

# run in the child after the command: its modules that have no usable bytecode cache
UNCOMPILED = """
import importlib.util, os, sys
from corpactions.cli import main
main(sys.argv[1:])
stale = 0
for m in list(sys.modules.values()):
    spec = getattr(m, "__spec__", None)
    if spec is None or not spec.cached or not spec.origin or not spec.origin.endswith(".py"):
        continue
    try:
        if os.stat(spec.cached).st_mtime < os.stat(spec.origin).st_mtime:
            stale += 1
    except OSError:
        stale += 1
print(stale, file=sys.stderr)
"""


def command() -> list[str]:
    script = Path(sys.executable).with_name("corpactions")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from corpactions.cli import main; sys.exit(main())"]


def timed(argv: list[str], runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of `argv` over `runs` runs."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if done.returncode != 0:
            sys.exit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("file", nargs="?", default=str(EXAMPLE), help="a board resolution")
    parser.add_argument("--runs", type=int, default=9, help="runs per figure (median)")
    args = parser.parse_args(argv)
    schedule = [*command(), "schedule", args.file]
    subprocess.run(schedule, stdout=subprocess.DEVNULL, check=True)  # warms the calendar cache

    wall, cpu = timed(schedule, args.runs)
    verdict = "meets" if wall <= GOAL_S else "misses"
    print(
        f"schedule: median {wall:.3f} s wall, {cpu:.3f} s CPU over {args.runs} runs "
        f"({verdict} the goal of {GOAL_S} s)"
    )
    help_wall, help_cpu = timed([*command(), "--help"], args.runs)
    print(f"--help: median {help_wall:.3f} s wall, {help_cpu:.3f} s CPU")
    probe = subprocess.run(
        [sys.executable, "-c", UNCOMPILED, "schedule", args.file],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
        env={**os.environ},
    )
    stale = int(probe.stderr.split()[-1])
    hint = "" if stale == 0 else " (compiled from source each run: `make setup` compiles them)"
    print(f"schedule imports {stale} modules without a bytecode cache{hint}")
    print(f"bench-cli: schedule {wall:.3f} s (goal <= {GOAL_S} s), --help {help_wall:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
