"""`corpactions schedule --jsonl` end to end: lines per second, and a digest of its output.

Run: .venv/bin/python tests/bench/bench_jsonl.py [--n 20000] [--runs 3] [--invalid]

The input is `bench_core.synthetic(n)` (valid, varied resolutions), one per line; with
``--invalid``, interleaved with invalid lines: the agreement corpus's payloads
(tests/unit/contracts/corpus.jsonl: undecodable, schema and domain violations) and each
synthetic field replaced by values the contract or the core refuses (floats, booleans,
signs, timestamps, wrong types, out-of-range numbers...). The command runs as a user
runs it (a subprocess reading a file, writing to a file); the figure is the best of
``--runs`` (lines / wall seconds, start-up included; also without the start-up, timed
on an empty file). The digest (sha256 of stdout,
stderr and the exit status) is the same before and after a change that alters no byte.

The last line is `bench-jsonl: L lines/s (goal >= 15,000: met|NOT met; N lines, digest D;
C lines per CPU second after start-up)`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from bench_core import synthetic  # noqa: E402

CORPUS = ROOT / "tests" / "unit" / "contracts" / "corpus.jsonl"
COMMAND = [str(ROOT / ".venv" / "bin" / "corpactions"), "schedule", "--jsonl"]

# Values the contract or the core refuses somewhere (each tried in every field).
BAD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1.5, 620.0, 1e2, "", " 12", "+12", "1_000", "12.0", "-0",
    "-13.50", "13.50 ", "1E+3", "NaN", "Infinity", "2016-02-30", "2016-9-30",
    "2016-09-30T00:00:00", "2016-09-30T00:00:00Z", "２０１６", "XXXX", "xtks", "GBX", "ZZZ",
    "0", "0.00000000000001", "12345678901234567.5", "1" * 19, 10**16, 10**19, 2**31, [], {},
    ["a"], {"a": 1},
]  # fmt: skip


def invalid_lines(valid: Sequence[bytes], seed: int = 19) -> Iterator[bytes]:
    """The corpus's payloads (one line each, split where a payload holds a newline), then
    each field of a few valid documents, nested ones too, set to each of BAD_VALUES."""
    for line in CORPUS.read_text().splitlines():
        item = json.loads(line)
        payload = item.get("payload")
        yield payload.encode("utf-8", "surrogatepass") if payload is not None else b"\x00"
    rng = random.Random(seed)
    for raw in rng.sample(list(valid), 40):
        doc = json.loads(raw)
        for path in _paths(doc):
            for value in rng.sample(BAD_VALUES, 6):
                changed = json.loads(raw)
                node = changed
                for step in path[:-1]:
                    node = node[step]
                node[path[-1]] = value
                yield json.dumps(changed).encode()
            shorter = json.loads(raw)  # and without it
            node = shorter
            for step in path[:-1]:
                node = node[step]
            del node[path[-1]]
            yield json.dumps(shorter).encode()


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = doc.items() if isinstance(doc, dict) else enumerate(doc)
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, dict | list) and value:
            yield from _paths(value, (*prefix, key))


def batch(n: int, with_invalid: bool) -> bytes:
    """The input: n synthetic resolutions, with invalid lines spread among them."""
    valid = synthetic(n)
    if not with_invalid:
        return b"".join(line + b"\n" for line in valid)
    bad = list(invalid_lines(valid))
    every = max(1, len(valid) // len(bad))
    out: list[bytes] = []
    for i, line in enumerate(valid):
        out.append(line)
        if i % every == 0 and bad:
            out.append(bad.pop())
    out.extend(bad)
    out.append(b"")  # a blank line: skipped
    return b"\n".join(out) + b"\n"


GOAL_LINES_PER_S = 15_000  # issue 28, start-up included


def _timed(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess[bytes]]:
    """Wall and CPU seconds (user + system) of running `command`, and its result. On a
    shared host the CPU seconds vary less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=20_000, help="valid resolutions")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (best reported)")
    parser.add_argument("--invalid", action="store_true", help="interleave invalid lines")
    parser.add_argument("--keep", type=Path, help="also write the output to this file")
    args = parser.parse_args(argv)

    data = batch(args.n, args.invalid)
    lines = data.count(b"\n")
    best = 0.0
    digests = set()
    with tempfile.TemporaryDirectory() as tmp:
        source, empty = Path(tmp) / "in.jsonl", Path(tmp) / "empty.jsonl"
        source.write_bytes(data)
        empty.write_bytes(b"")
        empty_runs = [_timed([*COMMAND, str(empty)]) for _ in range(args.runs)]
        startup, startup_cpu = min(r[0] for r in empty_runs), min(r[1] for r in empty_runs)
        print(f"start-up (an empty file): {startup:.2f} s, {startup_cpu:.2f} s CPU")
        best_cpu = 0.0
        for _ in range(args.runs):
            elapsed, cpu, done = _timed([*COMMAND, str(source)])
            best = max(best, lines / elapsed)
            best_cpu = max(best_cpu, lines / max(cpu - startup_cpu, 1e-9))
            digest = hashlib.sha256()
            for part in (done.stdout, b"\0", done.stderr, b"\0", str(done.returncode).encode()):
                digest.update(part)
            digests.add(digest.hexdigest())
            if args.keep:
                args.keep.write_bytes(done.stdout)
            print(
                f"run: {lines / elapsed:,.0f} lines/s ({elapsed:.2f} s, exit {done.returncode}; "
                f"{lines / max(elapsed - startup, 1e-9):,.0f} lines/s after start-up, "
                f"{lines / max(cpu - startup_cpu, 1e-9):,.0f} lines per CPU second after it)"
            )
    if len(digests) != 1:
        print(f"outputs differ between runs: {sorted(digests)}")
        return 1
    met = "met" if best >= GOAL_LINES_PER_S else "NOT met"
    print(
        f"bench-jsonl: {best:,.0f} lines/s (goal >= {GOAL_LINES_PER_S:,}: {met}; {lines} lines, "
        f"digest {digests.pop()[:16]}; {best_cpu:,.0f} lines per CPU second after start-up)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
