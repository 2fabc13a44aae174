"""Show that the short fault suite fails on broken code.

Each mutation below is applied to a temporary copy of the repository (services/, tests/,
schemas/, pyproject.toml); the short fault suite (tests/faults/test_faults.py, stopping
at the first failure) then runs against that copy, its workers included (PYTHONPATH puts
the copy's `corpactions` first; checked before each run). A mutation is *caught* only
when a scenario's own check fails (its report is not ok); a run that passes, or fails
otherwise (an error, a timeout), is reported as such and makes this script exit 1.

Each mutation finds its target by a code pattern that must match exactly one line in
the copy's services/ tree, wherever the refactors move it; when it matches none or
several the script stops with "mutation not applied", naming the pattern, so that it
can be re-anchored. The mutated file must still compile.

    python tests/faults/mutations.py [--only NAME ...] [--list]
"""

from __future__ import annotations

import argparse
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# one line per process: a per-process marker that survives nothing but the process
_ONCE = '__import__("builtins").__dict__.setdefault("_corpactions_mutation", set())'


@dataclass(frozen=True)
class Mutation:
    name: str
    what: str
    pattern: str  # must match exactly one line under services/
    rewrite: Callable[[re.Match[str], str], str]  # (match, indent) -> replacement line(s)


def _pass(match: re.Match[str], indent: str) -> str:
    return f"{indent}pass  # MUTATION: {match.group(0).strip()}\n"


def _drop_first(match: re.Match[str], indent: str) -> str:
    call = match.group(0).strip()
    return (
        f"{indent}if 'dropped' not in {_ONCE}:  # MUTATION: drop one output\n"
        f"{indent}    {_ONCE}.add('dropped')\n"
        f"{indent}else:\n"
        f"{indent}    {call}\n"
    )


def _twice_first(match: re.Match[str], indent: str) -> str:
    call = match.group(0).strip()
    return (
        f"{indent}{call}\n"
        f"{indent}if 'doubled' not in {_ONCE}:  # MUTATION: send one output twice\n"
        f"{indent}    {_ONCE}.add('doubled')\n"
        f"{indent}    {call}\n"
    )


def _offset_outside(match: re.Match[str], indent: str) -> str:
    # The next offset is kept in memory only: the group's offsets (committed by the
    # engine after the transactions, at most once a second) decide where a new owner
    # resumes, as with a consumer that commits outside the transaction.
    obj, arg = match.group("obj"), match.group("arg")
    return f"{indent}{obj}.next_offset = {arg}  # MUTATION: offset not in the transaction\n"


def _repl_after_payment(match: re.Match[str], indent: str) -> str:
    guard = re.sub(r"\bintake\.paid\([^()]*\)", "False", match.group(0).strip())
    return f"{indent}{guard}  # MUTATION: updates of a paid dividend applied\n"


def _cancellation_lost(match: re.Match[str], indent: str) -> str:
    target = f"self.actions[{match.group('key')}]"
    return (
        f"{indent}_restored = Action.decode(value)  # MUTATION: cancellation lost on restore\n"
        f"{indent}{target} = (\n"
        f"{indent}    replace(_restored, function='NEWM') if _restored.cancelled else _restored\n"
        f"{indent})\n"
    )


MUTATIONS = [
    Mutation(
        "restore-skips-changelog",
        "restore reads the changelog but applies none of it",
        r"\w+\.state\.apply_changelog\([^)]*\)|\bstate\.apply_changelog\([^)]*\)",
        _pass,
    ),
    Mutation(
        "timers-not-rebuilt",
        "the timers are not rebuilt after a restore",
        r"\w+(\.\w+)*\.rebuild_timers\([^()\n]*\)",
        _pass,
    ),
    Mutation(
        "one-output-dropped",
        "the first output of each worker process is left out of its transaction",
        r"append\(\s*topic,\s*partition,\s*out\.key,\s*out\.value,[^\n]*\)",
        _drop_first,
    ),
    Mutation(
        "one-output-twice",
        "the first output of each worker process is written twice",
        r"append\(\s*topic,\s*partition,\s*out\.key,\s*out\.value,[^\n]*\)",
        _twice_first,
    ),
    Mutation(
        "offset-outside-transaction",
        "the next input offset is not written in the transaction (the group's offset, "
        "committed outside it, decides where processing resumes)",
        r"^\s*\w+\.append\(\s*Outcome\(\s*None,\s*changes=\(\s*(?P<obj>\w+)\.put_next_offset"
        r"\((?P<arg>[^()]*)\),?\s*\)\s*\)\s*\)\s*$",
        _offset_outside,
    ),
    Mutation(
        "repl-applied-to-paid",
        "a REPL (or CANC, WITH) of a dividend already paid is applied, not dead-lettered",
        r"^\s*if .*\bintake\.paid\(\w+, \w+\):\s*$",
        _repl_after_payment,
    ),
    Mutation(
        "cancellation-lost-on-restore",
        "a cancelled or withdrawn dividend is restored from the changelog as a new one",
        r"^\s*self\.actions\.restore\((?P<key>\w+), value\)\s*$",
        _cancellation_lost,
    ),
]


class NotApplied(RuntimeError):
    pass


def apply(mutation: Mutation, tree: Path) -> Path:
    """Rewrite the one matching line under ``tree``/services; return the file changed."""
    regex = re.compile(mutation.pattern)
    hits = []
    for path in sorted((tree / "services").rglob("*.py")):
        for i, line in enumerate(path.read_text().splitlines(keepends=True)):
            if line.lstrip().startswith(("def ", "#")):
                continue
            m = regex.search(line)
            if m:
                hits.append((path, i, m, line))
    if len(hits) != 1:
        where = [f"{p.relative_to(tree)}:{i + 1}" for p, i, _, _ in hits]
        raise NotApplied(
            f"mutation not applied: {mutation.name}: pattern {mutation.pattern!r} matched "
            f"{len(hits)} lines under services/ {where} (exactly one needed): re-anchor it"
        )
    path, i, m, line = hits[0]
    indent = line[: len(line) - len(line.lstrip())]
    lines = path.read_text().splitlines(keepends=True)
    lines[i] = mutation.rewrite(m, indent)
    path.write_text("".join(lines))
    try:
        py_compile.compile(str(path), doraise=True)
    except py_compile.PyCompileError as exc:
        raise NotApplied(f"mutation not applied: {mutation.name}: does not compile: {exc}") from exc
    return path


def copy_tree(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for name in ("services", "tests", "schemas"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")


def child_env(tree: Path, bootstrap: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tree / "services"), str(tree)])
    env.pop("PYTEST_ADDOPTS", None)
    env["CORPACTIONS_HOME"] = str(ROOT)  # the Kafka pom and jars (broker-loss's cluster)
    if bootstrap:
        env["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap
    return env


def run_suite(tree: Path, env: dict[str, str], timeout: float) -> tuple[str, str, float]:
    """Run the short suite in ``tree``: (verdict, evidence, seconds)."""
    probe = subprocess.run(
        [sys.executable, "-c", "import corpactions; print(corpactions.__file__)"],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    if not probe.stdout.strip().startswith(str(tree)):
        raise NotApplied(f"the copy is not what runs: corpactions from {probe.stdout.strip()}")
    t0 = time.monotonic()
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-x",
                "-q",
                "-p",
                "no:cacheprovider",
                "tests/faults/test_faults.py",
            ],
            env=env,
            cwd=tree,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return "ERROR", f"the suite did not finish in {timeout:.0f}s", time.monotonic() - t0
    seconds = time.monotonic() - t0
    out = proc.stdout + proc.stderr
    if proc.returncode == 0:
        return "SURVIVED", "the short suite passed", seconds
    # a scenario's own check: `assert report.ok, report.details()` in test_faults.py
    checks = re.findall(r"^E\s+AssertionError: (\S+: lost=.*)$", out, re.M)
    if checks:
        return "caught", checks[0], seconds
    tail = "\n".join(out.strip().splitlines()[-15:])
    return "ERROR", f"failed, but not by a scenario's check:\n{tail}", seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", metavar="NAME")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    chosen = [m for m in MUTATIONS if not args.only or m.name in args.only]
    if args.list:
        for m in MUTATIONS:
            print(f"{m.name}: {m.what}\n    pattern {m.pattern}")
        return 0
    # every anchor first, on one copy each, so a stale one fails before any long run
    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        for m in chosen:
            tree = Path(tmp) / m.name
            copy_tree(tree)
            changed = apply(m, tree)
            print(f"mutation {m.name}: applied to {changed.relative_to(tree)}", flush=True)
        from tests.support.kafka import env_or_local_broker

        results = []
        with env_or_local_broker(Path(tmp)) as bootstrap:
            for m in chosen:
                tree = Path(tmp) / m.name
                verdict, evidence, seconds = run_suite(
                    tree, child_env(tree, bootstrap), args.timeout
                )
                results.append((m, verdict, evidence, seconds))
                print(f"mutation {m.name}: {verdict} in {seconds:.0f}s: {evidence}", flush=True)
    print("\nmutation                     result    time  evidence")
    for m, verdict, evidence, seconds in results:
        first = evidence.splitlines()[0] if evidence else ""
        print(f"{m.name:<28} {verdict:<9} {seconds:>4.0f}s  {first[:160]}")
    caught = sum(1 for _, v, _, _ in results if v == "caught")
    print(f"mutations: caught {caught}/{len(results)}")
    return 0 if caught == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
