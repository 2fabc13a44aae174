"""`corpactions lag`: a monitoring check; the lag report as a table, watched, or JSON.

Exit codes follow the monitoring plugin convention (Nagios, Icinga, Sensu): 0 every
group OK, 1 the worst is WARN, 2 any group ERR (a partition STOP, STALL or REWIND) or a
group asked for with ``--group`` that has no committed offset (NOTFOUND), 3 UNKNOWN
(Kafka unreachable, bad arguments or configuration). Errors are one line on stderr.

A one-shot run builds each partition's commit window from the whole
``__consumer_offsets`` history; ``--watch`` keeps one tracker, so after the first
refresh its windows also hold live commits, judged exactly as the worker's monitor does.
On a terminal ``--watch`` redraws the table; otherwise (a pipe, a log file) it prints
one line per sample, or with ``--json`` one JSON object per sample.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from typing import IO, Any

from aiokafka.errors import KafkaError
from rich.console import Console
from rich.live import Live
from rich.table import Table

from corpactions.broker.local import BrokerError
from corpactions.ops.access import KafkaAccessError, check_login
from corpactions.ops.burrow import Status
from corpactions.ops.kafka_config import ConfigError, resolve
from corpactions.ops.lag import LagReport, LagTracker
from corpactions.settings import Settings, SettingsError
from corpactions.stream.startup import CannotStart, diagnose

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3

_STYLE = {
    Status.NOTFOUND: "dim",
    Status.OK: "green",
    Status.WARN: "yellow",
    Status.ERR: "bold red",
    Status.STOP: "red",
    Status.STALL: "red",
    Status.REWIND: "magenta",
}
_CRITICAL = {Status.ERR, Status.STOP, Status.STALL, Status.REWIND}


def exit_code(report: LagReport, asked: Sequence[str] | None) -> int:
    """The check's verdict: NOTFOUND is critical for a group asked for by name (with
    every group listed, one without offsets is merely shown)."""
    code = OK
    for g in report.groups:
        statuses = {g.status, *(p.status for p in g.partitions)}
        if statuses & _CRITICAL or (g.status is Status.NOTFOUND and asked):
            return CRITICAL
        if Status.WARN in statuses:
            code = WARNING
    return code


_NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}


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
        ("consumer-id", "left"),
        ("host", "left"),
        ("client-id", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    rows = report.rows()  # a row per partition committed to or held, as Kafka's tool shows
    commits = {
        (g.group, p.topic, p.partition): p.commits for g in report.groups for p in g.partitions
    }
    shown_group = None
    for r in rows:
        first = r["group"] != shown_group
        shown_group = r["group"]
        group_status = Status[r["group_status"]]
        status = r["status"] and Status[r["status"]]
        seconds = r["lag_seconds"]
        table.add_row(
            r["group"] if first else "",
            f"[{_STYLE[group_status]}]{group_status.name}[/]" if first else "",
            r["topic"] or "",
            _dash(r["partition"]),
            _dash(r["committed_offset"]),
            _dash(r["end_offset"]),
            _dash(r["lag"]),
            "" if r["topic"] is None else "?" if seconds is None else f"{seconds:.1f}",
            f"[{_STYLE[status]}]{status.name}[/]" if status and r["topic"] else "-",
            _dash(commits.get((r["group"], r["topic"], r["partition"]))),
            _dash(r["consumer_id"]),
            _dash(r["host"]),
            _dash(r["client_id"]),
        )
    return table


def _dash(value: object) -> str:
    """A cell: the value, or "-" where Kafka's tool prints one (no commit, no member)."""
    return "-" if value is None else str(value)


def summary_line(report: LagReport, code: int) -> str:
    """One line for a sample: time, verdict, then each group's status, lag and age."""
    taken = dt.datetime.fromtimestamp(report.taken_at, dt.UTC).isoformat(timespec="seconds")
    groups = "; ".join(
        f"{g.group} {g.status.name} lag={g.total_lag} lag_seconds={g.max_lag_seconds:.1f}"
        for g in report.groups
    )
    return f"{taken.replace('+00:00', 'Z')} {_NAMES[code]}: {groups or 'no groups'}"


def sample_object(report: LagReport, code: int) -> dict[str, Any]:
    """One ``--watch --json`` line: the verdict and every row."""
    taken = dt.datetime.fromtimestamp(report.taken_at, dt.UTC).isoformat()
    return {"taken_at": taken, "status": _NAMES[code], "exit_code": code, "rows": report.rows()}


def _fail(message: str, out: IO[str] = sys.stderr) -> int:
    out.write(f"corpactions lag: UNKNOWN: {message}\n")
    return UNKNOWN


def run(args: argparse.Namespace) -> int:
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # its errors are ours to say
    if args.all_groups and args.group:
        return _fail("--all-groups and --group exclude each other")
    try:
        settings = Settings.from_env()
        conn = resolve(settings, args.bootstrap_server, args.command_config)
    except (SettingsError, ConfigError, BrokerError) as exc:
        return _fail(str(exc))
    for warning in conn.warnings:
        sys.stderr.write(f"corpactions lag: {warning}\n")
    try:  # a refused login or certificate: UNKNOWN, in one line naming why
        asyncio.run(
            asyncio.wait_for(
                check_login(conn.bootstrap_servers, settings.security, conn.client_options),
                args.timeout / 1000,  # --timeout bounds the whole check, this step too
            )
        )
    except KafkaAccessError as exc:
        return _fail(str(exc))
    except TimeoutError as exc:
        return _fail(f"cannot reach Kafka at {conn.bootstrap_servers}: {_why(exc)}")
    state = _State()
    try:
        return asyncio.run(
            _run(
                conn.bootstrap_servers,
                args.group or None,
                args.watch,
                args.json,
                conn.client_options,
                settings.lag_window,
                args.timeout / 1000,  # milliseconds, as Kafka's tools take it
                sys.stdout,
                state,
            )
        )
    except KeyboardInterrupt:  # --watch ends with Ctrl-C: the last sample's verdict
        return state.last_code


class _State:
    last_code = UNKNOWN


async def _run(
    bootstrap: str,
    groups: Sequence[str] | None,
    watch: float | None,
    as_json: bool,
    client_options: Mapping[str, Any],
    intervals: int,
    timeout_s: float,
    out: IO[str],
    state: _State,
) -> int:
    tracker = LagTracker(
        bootstrap, groups, client_options=client_options, intervals=intervals, members=True
    )
    try:
        await asyncio.wait_for(tracker.start(), timeout_s)
    except (KafkaError, OSError, TimeoutError) as exc:
        if isinstance(exc, KafkaError | OSError):  # a refused login or TLS says so
            why = await diagnose(bootstrap, client_options, min(timeout_s, 10.0))
            if isinstance(why, CannotStart):
                return _fail(str(why))
        return _fail(f"cannot reach Kafka at {bootstrap}: {_why(exc)}")
    try:
        if watch is None:
            try:
                report = await asyncio.wait_for(tracker.sample(), timeout_s)
            except (KafkaError, OSError, TimeoutError) as exc:
                return _fail(f"cannot read lag from {bootstrap}: {_why(exc)}")
            code = exit_code(report, groups)
            if as_json:
                out.write(json.dumps(report.rows(), indent=2) + "\n")
            else:
                _console(out).print(render_table(report))
            return code
        if as_json or not out.isatty():
            await _watch_lines(tracker, groups, watch, timeout_s, as_json, out, state)
        else:
            await _watch_table(tracker, groups, watch, timeout_s, out, state)
        return state.last_code
    finally:
        await tracker.stop()


def _why(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "no answer in time (--timeout, in milliseconds)"
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]


async def _sample(
    tracker: LagTracker, groups: Sequence[str] | None, timeout_s: float, state: _State
) -> tuple[LagReport | None, str]:
    """One sample and its verdict (kept in ``state``), or None and why it failed."""
    try:
        report = await asyncio.wait_for(tracker.sample(), timeout_s)
    except (KafkaError, OSError, TimeoutError) as exc:
        state.last_code = UNKNOWN
        return None, _why(exc)
    state.last_code = exit_code(report, groups)
    return report, ""


async def _watch_lines(
    tracker: LagTracker,
    groups: Sequence[str] | None,
    every_s: float,
    timeout_s: float,
    as_json: bool,
    out: IO[str],
    state: _State,
) -> None:
    """One line (a summary, or a JSON object) per sample, until Ctrl-C; a sample that
    fails prints an UNKNOWN line and the next one tries again."""
    while True:
        report, why = await _sample(tracker, groups, timeout_s, state)
        if report is None:
            now = dt.datetime.now(dt.UTC).isoformat()
            line = (
                json.dumps(
                    {"taken_at": now, "status": "UNKNOWN", "exit_code": UNKNOWN, "error": why}
                )
                if as_json
                else f"{now[:19]}Z UNKNOWN: {why}"
            )
        elif as_json:
            line = json.dumps(sample_object(report, state.last_code))
        else:
            line = summary_line(report, state.last_code)
        out.write(line + "\n")
        out.flush()
        await asyncio.sleep(every_s)


async def _watch_table(
    tracker: LagTracker,
    groups: Sequence[str] | None,
    every_s: float,
    timeout_s: float,
    out: IO[str],
    state: _State,
) -> None:
    """The table redrawn in place at each refresh, until Ctrl-C."""
    with Live(console=_console(out), auto_refresh=False) as live:
        while True:
            report, why = await _sample(tracker, groups, timeout_s, state)
            if report is None:
                live.console.print(f"UNKNOWN: {why}", style="red")
            else:
                live.update(render_table(report), refresh=True)
            await asyncio.sleep(every_s)
