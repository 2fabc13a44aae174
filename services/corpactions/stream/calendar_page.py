"""``/calendar``, ``/calendar.json``, ``/calendar.ics``: the calendar rendered (see
calendar_view.py for what it holds and where it comes from).

The page is plain HTML: no script, a form that GETs the same page, a meta refresh.
Everything that came from a producer or from Kafka (issuer names, messages, keys) is
HTML-escaped here, in one function (`_e`), or escaped as iCalendar text (`_ics_text`).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from corpactions.stream.calendar_view import (
    DIVIDEND_TYPES,
    KINDS,
    BadQuery,
    CalendarQuery,
    DeadLetterDigest,
    Digest,
    limit_overdue,
    local_entries,
    replay_command,
    sort_entries,
)

if TYPE_CHECKING:
    from corpactions.stream.engine import Engine
    from corpactions.stream.state import PartitionState

REFRESH_S = 60  # the page reloads itself this often (meta refresh)


@dataclass(frozen=True)
class Calendar:
    """What every format shows: the query, the entries (in range, and overdue ones
    before it), the group's overdue figure, the dead letters, who answered."""

    query: CalendarQuery
    now: dt.datetime
    entries: list[dict[str, Any]]
    overdue: int  # as corpactions_timers_overdue, summed over the group
    dead_letters: Digest | None
    workers: list[str]

    def days(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for e in self.entries:
            if e["in_range"]:
                out.setdefault(e["day"], []).append(e)
        return out

    def overdue_entries(self) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["overdue"]]

    def as_json(self) -> dict[str, Any]:
        return {
            "generated_at": self.now.isoformat(),
            "from": self.query.start.isoformat(),
            "to": self.query.end.isoformat(),
            "filters": {k: v for k, v in self.query.params().items() if k not in ("from", "to")},
            "overdue": {"count": self.overdue, "entries": self.overdue_entries()},
            "days": [{"day": d, "entries": es} for d, es in self.days().items()],
            "dead_letters": None if self.dead_letters is None else self.dead_letters.as_json(),
            "workers": self.workers,
        }


# -- HTML --------------------------------------------------------------------------------


def _e(value: Any) -> str:
    """Text as HTML: every value shown goes through here."""
    return html.escape("" if value is None else str(value), quote=True)


_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:1em}
th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
.overdue{background:#fde2e1}.overdue td:first-child{border-left:4px solid #c0392b}
.banner{padding:.6em;border:1px solid #c0392b;background:#fde2e1;margin:1em 0}
.ok{padding:.6em;border:1px solid #2e7d32;background:#e8f5e9;margin:1em 0}
.utc{color:#666;font-size:.9em}code{background:#f4f4f4;padding:0 .2em}
.status-cancelled{text-decoration:line-through}form label{margin-right:.6em}
"""


def _when(e: Mapping[str, Any]) -> str:
    local = dt.datetime.fromisoformat(e["due_local"])
    utc = dt.datetime.fromisoformat(e["due_at"])
    return (
        f"{_e(local.strftime('%Y-%m-%d %H:%M'))} {_e(e['time_zone'])}"
        f' <span class="utc">({_e(utc.strftime("%Y-%m-%d %H:%M"))} UTC)</span>'
    )


def _status(e: Mapping[str, Any]) -> str:
    status = e["status"]
    text = "overdue (pending)" if e["overdue"] else status
    if e["fired_at"]:
        fired = dt.datetime.fromisoformat(e["fired_at"]).astimezone(dt.UTC)
        text += f" for {fired.strftime('%Y-%m-%d %H:%M')} UTC"
    return f'<span class="status-{_e(status)}">{_e(text)}</span>'


def _row(e: Mapping[str, Any]) -> str:
    security = e["isin"] or e["security_key"]
    iso = e["links"].get("iso20022")
    iso_link = f'<a href="{_e(iso)}">ISO 20022</a>' if iso else "ISO 20022: no view"
    css = ' class="overdue"' if e["overdue"] else ""
    return (
        f"<tr{css}><td>{_when(e)}</td><td>{_e(e['kind'])}</td>"
        f'<td>{_e(security)}<br><span class="utc">{_e(e["mic"])} {_e(e["local_code"])}</span></td>'
        f"<td>{_e(e['issuer'])}</td><td>{_e(e['amount'])} {_e(e['currency'])}</td>"
        f"<td>{_e(e['dividend_type'])}</td><td>{_status(e)}</td>"
        f'<td><a href="{_e(e["links"]["action"])}">JSON</a> · {iso_link}</td></tr>'
    )


_HEAD = (
    "<tr><th>When (market, UTC)</th><th>Date</th><th>Security</th><th>Issuer</th>"
    "<th>Amount per share</th><th>Type</th><th>Status</th><th>Links</th></tr>"
)


def _form(q: CalendarQuery) -> str:
    def field(name: str, value: str | None, kind: str = "text") -> str:
        return (
            f'<label>{_e(name)} <input type="{kind}" name="{_e(name)}" '
            f'value="{_e(value or "")}"></label>'
        )

    options = "".join(
        f'<option value="{_e(t)}"{" selected" if q.type == t else ""}>{_e(t)}</option>'
        for t in ("", *KINDS, *DIVIDEND_TYPES)
    )
    return (
        '<form method="get" action="/calendar">'
        + field("from", q.start.isoformat(), "date")
        + field("to", q.end.isoformat(), "date")
        + field("mic", q.mic)
        + field("isin", q.isin)
        + field("issuer", q.issuer)
        + f'<label>type <select name="type">{options}</select></label>'
        + '<button type="submit">Show</button></form>'
    )


def _dead_letters(d: Digest | None) -> str:
    if d is None:
        return "<p>The dead letters are being read; they show on the next refresh.</p>"
    parts = []
    if d.error:
        parts.append(f'<p class="banner">{_e(d.error)}</p>')
    if not d.counts:
        parts.append(f'<p class="ok">No dead letters since {_e(_utc(d.since))}.</p>')
    if d.truncated:
        parts.append("<p>Only the newest letters of each DLQ partition were read.</p>")
    for reason in sorted(d.by_reason):
        letters = d.by_reason[reason]
        parts.append(
            f"<h3>{_e(reason)}: {d.counts[reason]}</h3>"
            f"<p>Replay them all: <code>{_e(replay_command(reason, since=d.since))}</code></p>"
            "<table><tr><th>Rejected (UTC)</th><th>Message</th><th>Source</th>"
            "<th>Replay this one</th></tr>"
            + "".join(
                f"<tr><td>{_e(_utc(dt.datetime.fromisoformat(x['rejected_at'])))}</td>"
                f"<td>{_e(x['message'])}</td><td>{_e(x['source'])}</td>"
                f"<td><code>{_e(x['replay'])}</code></td></tr>"
                for x in letters
            )
            + "</table>"
        )
    read = f"read {_e(_utc(d.read_at))}" if d else ""
    return f'<p class="utc">Dead letters since {_e(_utc(d.since))}, {read}.</p>' + "".join(parts)


def _utc(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def render_html(cal: Calendar) -> str:
    q = cal.query
    qs = q.query_string()
    overdue = cal.overdue_entries()
    if cal.overdue:
        banner = (
            f'<p class="banner"><strong>{cal.overdue} date(s) overdue</strong>: due and not '
            "fired (corpactions_timers_overdue). Highlighted below.</p>"
        )
    else:
        banner = '<p class="ok">Nothing overdue.</p>'
    body = [banner]
    if overdue:
        listed = len(overdue)
        note = f" (the {listed} earliest)" if listed < cal.overdue else ""
        body.append(
            f"<h2>Overdue{_e(note)}</h2><table>"
            + _HEAD
            + "".join(_row(e) for e in overdue)
            + "</table>"
        )
    days = cal.days()
    body.append(f"<h2>{_e(q.start.isoformat())} to {_e(q.end.isoformat())}</h2>")
    if not days:
        body.append("<p>No record or payment date in these days.</p>")
    for day, entries in days.items():
        weekday = dt.date.fromisoformat(day).strftime("%A")
        body.append(
            f'<section id="day-{_e(day)}"><h3>{_e(day)} {_e(weekday)}</h3><table>'
            + _HEAD
            + "".join(_row(e) for e in entries)
            + "</table></section>"
        )
    body.append("<h2>Dead letters, last 24 hours</h2>" + _dead_letters(cal.dead_letters))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{REFRESH_S}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>corpactions calendar</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>Corporate-actions calendar</h1>"
        + _form(q)
        + "".join(body)
        + f'<p class="utc">Generated {_e(_utc(cal.now))} from the state of '
        f"{len(cal.workers)} worker(s); reloads every {REFRESH_S} s. Same data: "
        f'<a href="/calendar.json?{_e(qs)}">JSON</a>, '
        f'<a href="/calendar.ics?{_e(qs)}">iCalendar</a>.</p>'
        "</body></html>\n"
    )


def render_problem(title: str, lines: list[str], status: int) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{REFRESH_S}">'
        f"<title>corpactions calendar: {_e(status)}</title></head><body>"
        f"<h1>{_e(title)}</h1>"
        + "".join(f"<p>{_e(line)}</p>" for line in lines)
        + "</body></html>\n"
    )


# -- iCalendar (RFC 5545) ----------------------------------------------------------------


def _ics_text(value: Any) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline escaped."""
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF and a space (RFC 5545 3.1),
    never splitting a UTF-8 character."""
    out, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode())
        if size + n > 75:
            out.append(current)
            current, size = " ", 1
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def _stamp(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def render_ics(cal: Calendar, base_url: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//corpactions//calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Corporate actions",
        f"X-PUBLISHED-TTL:PT{REFRESH_S}S",
    ]
    for entries in cal.days().values():
        for e in entries:
            day = dt.date.fromisoformat(e["day"])
            security = e["isin"] or e["security_key"]
            summary = (
                f"{e['kind'].capitalize()} date: {e['issuer']} ({security}) "
                f"{e['amount']} {e['currency']}"
            )
            status = e["status"] + (" (overdue)" if e["overdue"] else "")
            description = (
                f"Status: {status}\n"
                f"Due: {e['due_local']} ({e['time_zone']}) = {e['due_at']} UTC\n"
                f"Dividend type: {e['dividend_type']}\n"
                f"Action: {base_url}{e['links']['action']}"
            )
            lines += [
                "BEGIN:VEVENT",
                f"UID:{_ics_text(e['event_id'])}-{e['kind']}@corpactions",
                f"DTSTAMP:{_stamp(cal.now)}",
                f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
                f"DTEND;VALUE=DATE:{(day + dt.timedelta(days=1)).strftime('%Y%m%d')}",
                f"SUMMARY:{_ics_text(summary)}",
                f"DESCRIPTION:{_ics_text(description)}",
                f"CATEGORIES:{_ics_text(e['kind'])}",
                f"STATUS:{'CANCELLED' if e['status'] == 'cancelled' else 'CONFIRMED'}",
                "TRANSP:TRANSPARENT",
                f"URL:{base_url}{e['links']['action']}",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


# -- the views ---------------------------------------------------------------------------


def _states(engine: Engine) -> dict[int, PartitionState]:
    """The lifecycle's partition states (the calendar is registered on its engine only)."""
    return {tp.partition: cast("PartitionState", p.state) for tp, p in engine.partitions.items()}


def register_calendar(app: Any, engine: Engine) -> DeadLetterDigest:
    """Add the three calendar views to the worker's web server; the dead-letter digest
    they share is returned (the caller stops it with the worker)."""
    from faust import web

    from corpactions.stream.web import FORWARDED, _ask_peers, local_gap, unavailable

    s = engine.settings
    digest = DeadLetterDigest(
        s.bootstrap_servers or "",
        s.topics.dead_letters,
        s.security.client_options(),
        engine.clock,
    )

    async def build(request: web.Request) -> Calendar | tuple[int, str, list[dict[str, str]]]:
        now = engine.clock()
        params = {k: request.query.get(k, "") for k in request.query}
        query = CalendarQuery.parse(params, now.date())
        mine = _states(engine)
        entries, overdue = await local_entries(mine, query, now)
        results = await _ask_peers(engine, f"/calendar.json?{query.query_string()}")
        missing = unavailable(results, engine.members.self_url, local_gap(engine))
        if missing:
            return 503, "some workers of the group could not answer in full", missing
        workers = [engine.members.self_url]
        for url, status, body in results:
            if status == 200 and isinstance(body, dict) and "entries" in body:
                entries += body["entries"]
                overdue += int(body["overdue"])
                workers.append(url)
        entries = sort_entries(limit_overdue(entries))
        return Calendar(query, now, entries, overdue, await digest.get(), workers)

    def bad(view: web.View, exc: BadQuery, as_json: bool) -> web.Response:
        if as_json:
            return view.json({"error": "bad_query", "message": str(exc)}, status=400)
        return view.text(f"bad query: {exc}\n", status=400)

    async def local(view: web.View, request: web.Request) -> web.Response:
        """A peer's request: this worker's own entries only."""
        now = engine.clock()
        try:
            params = {k: request.query.get(k, "") for k in request.query}
            query = CalendarQuery.parse(params, now.date())
        except BadQuery as exc:
            return bad(view, exc, True)
        gap = local_gap(engine)
        if gap:
            url = engine.members.self_url
            return view.json({"unavailable": [{"url": url, "why": gap}]}, status=503)
        mine = _states(engine)
        entries, overdue = await local_entries(mine, query, now)
        return view.json({"entries": entries, "overdue": overdue})

    async def page(self: web.View, request: web.Request) -> web.Response:
        try:
            cal = await build(request)
        except BadQuery as exc:
            return bad(self, exc, False)
        if not isinstance(cal, Calendar):
            status, title, missing = cal
            lines = [f"{m['url']}: {m['why']}" for m in missing]
            return self.html(render_problem(title, lines, status), status=status)
        return self.html(render_html(cal))

    async def as_json(self: web.View, request: web.Request) -> web.Response:
        if FORWARDED in request.headers:
            return await local(self, request)
        try:
            cal = await build(request)
        except BadQuery as exc:
            return bad(self, exc, True)
        if not isinstance(cal, Calendar):
            status, title, missing = cal
            body = {"error": "workers_unavailable", "message": title, "unavailable": missing}
            return self.json(body, status=status)
        return self.json(cal.as_json())

    async def as_ics(self: web.View, request: web.Request) -> web.Response:
        try:
            cal = await build(request)
        except BadQuery as exc:
            return bad(self, exc, False)
        if not isinstance(cal, Calendar):
            status, title, missing = cal
            why = "; ".join(f"{m['url']}: {m['why']}" for m in missing)
            return self.text(f"{title}: {why}\n", status=status)
        text = render_ics(cal, engine.members.self_url)
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        return self.bytes(text.encode(), headers=headers)

    app.page("/calendar", name="calendar")(page)
    app.page("/calendar/", name="calendar_slash")(page)
    app.page("/calendar.json", name="calendar_json")(as_json)
    app.page("/calendar.ics", name="calendar_ics")(as_ics)
    return digest
