"""`corpactions dlq list|replay`: the dead letters, counted by reason; sending them back.

``list`` prints the count of each reason (``--json``: one JSON object per letter);
``replay`` sends the letters of the ``--reason`` codes given (or ``--all``) back to the
topic they came from (see ``ops/dlq.py``). Exit status 0, or 2 when ``replay`` is given
neither ``--reason`` nor ``--all``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from typing import IO

from corpactions.commands import bootstrap_servers
from corpactions.ops.dlq import ReplayResult, StoredLetter, read_letters, replay
from corpactions.settings import Settings

EXIT_USAGE = 2


def run(args: argparse.Namespace) -> int:
    if args.action == "replay" and not (args.reason or args.all):
        print("corpactions dlq replay: name the --reason(s) to replay, or --all", file=sys.stderr)
        return EXIT_USAGE
    settings = Settings.from_env()
    bootstrap = bootstrap_servers(settings)
    dlq_topic = settings.topics.dead_letters
    client_options = settings.security.client_options()
    unreadable: Counter[str] = Counter()
    letters = read_letters(bootstrap, dlq_topic, client_options, unreadable)
    if args.action == "list":
        asyncio.run(_list(letters, dlq_topic, unreadable, args.json, sys.stdout))
        return 0
    seen: Counter[str] = Counter()
    result = asyncio.run(
        replay(
            bootstrap,
            _chosen(letters, args.reason or (), seen),
            dlq_topic,
            client_options,
            args.rekey,
            args.dry_run,
        )
    )
    _print_replayed(result, seen, args.dry_run, sys.stdout)
    return 0


async def _list(
    letters: AsyncIterator[StoredLetter],
    dlq_topic: str,
    unreadable: Counter[str],
    as_json: bool,
    out: IO[str],
) -> None:
    """The count of each reason, or (``as_json``) a JSON list, one letter a line."""
    counts: Counter[str] = Counter()
    if as_json:
        out.write("[")
    async for x in letters:
        if as_json:
            out.write(("\n" if not counts.total() else ",\n") + json.dumps(x.summary()))
        counts[x.reason] += 1
    if as_json:
        out.write("\n]\n")
        return
    out.write(f"{dlq_topic}: {counts.total()} dead letters\n")
    for reason, n in counts.most_common():
        out.write(f"  {reason:<24} {n}\n")
    if unreadable:
        out.write(f"  (not dead letters: {unreadable.total()} records)\n")


async def _chosen(
    letters: AsyncIterator[StoredLetter], reasons: Iterable[str], seen: Counter[str]
) -> AsyncIterator[StoredLetter]:
    """The letters of ``reasons`` (every letter when none), counting all in ``seen``."""
    wanted = set(reasons)
    async for x in letters:
        seen[x.reason] += 1
        if not wanted or x.reason in wanted:
            yield x


def _print_replayed(result: ReplayResult, seen: Counter[str], dry_run: bool, out: IO[str]) -> None:
    verb = "would replay" if dry_run else "replayed"
    by_reason = ", ".join(f"{r} {n}" for r, n in result.replayed.most_common()) or "none"
    out.write(f"{verb} {result.replayed.total()} of {seen.total()} ({by_reason})\n")
    if result.skipped:
        skipped = ", ".join(f"{why} {n}" for why, n in result.skipped.most_common())
        out.write(f"skipped: {skipped}\n")
