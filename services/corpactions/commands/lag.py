"""`corpactions lag`: the lag report as a rich table, refreshed with --watch, or as JSON.

A one-shot run builds each partition's commit window from the whole
``__consumer_offsets`` history; ``--watch`` keeps one tracker, so after the first
refresh its windows also hold live commits, judged exactly as the worker's monitor does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Mapping, Sequence
from typing import IO, Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from corpactions.commands import bootstrap_servers
from corpactions.ops.burrow import Status
from corpactions.ops.lag import LagReport, LagTracker
from corpactions.settings import Settings

_STYLE = {
    Status.NOTFOUND: "dim",
    Status.OK: "green",
    Status.WARN: "yellow",
    Status.ERR: "bold red",
    Status.STOP: "red",
    Status.STALL: "red",
    Status.REWIND: "magenta",
}


def _console(out: IO[str]) -> Console:
    # Piped output has no terminal width: do not wrap group and topic names at 80 columns.
    return Console(file=out, width=None if out.isatty() else 250)


def render_table(report: LagReport) -> Table:
    table = Table(title="consumer lag (verdicts: Burrow's rules over recent commits)")
    for name, justify in (
        ("group", "left"),
        ("group status", "left"),
        ("topic", "left"),
        ("partition", "right"),
        ("committed", "right"),
        ("end", "right"),
        ("lag", "right"),
        ("seconds", "right"),
        ("status", "left"),
        ("commits", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for g in report.groups:
        group_status = f"[{_STYLE[g.status]}]{g.status.name}[/]"
        if not g.partitions:
            table.add_row(g.group, group_status, *([""] * 8))
            continue
        for i, p in enumerate(g.partitions):
            seconds = "?" if p.lag_seconds is None else f"{p.lag_seconds:.1f}"
            table.add_row(
                g.group if i == 0 else "",
                group_status if i == 0 else "",
                p.topic,
                str(p.partition),
                str(p.committed_offset),
                str(p.end_offset),
                str(p.lag),
                seconds,
                f"[{_STYLE[p.status]}]{p.status.name}[/]",
                f"{p.commits}",
            )
    return table


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    bootstrap = bootstrap_servers(settings)
    try:
        return asyncio.run(
            _run(
                bootstrap,
                args.group or None,
                args.watch,
                args.json,
                settings.security.client_options(),
                settings.lag_window,
                sys.stdout,
            )
        )
    except KeyboardInterrupt:
        return 0  # --watch ends with Ctrl-C


async def _run(
    bootstrap: str,
    groups: Sequence[str] | None,
    watch: float | None,
    as_json: bool,
    client_options: Mapping[str, Any],
    intervals: int,
    out: IO[str],
) -> int:
    async with LagTracker(
        bootstrap, groups, client_options=client_options, intervals=intervals
    ) as tracker:
        if watch is None:
            await _print_once(tracker, as_json, out)
        elif as_json:
            await _watch_json(tracker, watch, out)
        else:
            await _watch_table(tracker, watch, out)
    return 0


async def _print_once(tracker: LagTracker, as_json: bool, out: IO[str]) -> None:
    report = await tracker.sample()
    if as_json:
        out.write(json.dumps(report.rows(), indent=2) + "\n")
    else:
        _console(out).print(render_table(report))


async def _watch_json(tracker: LagTracker, every_s: float, out: IO[str]) -> None:
    """One JSON list per line per refresh (JSON Lines), until Ctrl-C."""
    while True:
        report = await tracker.sample()
        out.write(json.dumps(report.rows()) + "\n")
        out.flush()
        await asyncio.sleep(every_s)


async def _watch_table(tracker: LagTracker, every_s: float, out: IO[str]) -> None:
    """The table redrawn in place at each refresh, until Ctrl-C."""
    report = await tracker.sample()
    with Live(render_table(report), console=_console(out), auto_refresh=False) as live:
        while True:
            await asyncio.sleep(every_s)
            report = await tracker.sample()
            live.update(render_table(report), refresh=True)
