"""The calendar (issue 35) on the real broker: two workers share the partitions, and
either one's /calendar shows the dates of both, with the dead letters of the last day.

Dates as worked in tests/unit/stream/test_calendar.py: the IIJ example's record date
2016-09-30 and payment date 2016-12-06 (Tokyo); the real clock is past both, so both
have fired (the record date "fired", the payment date "paid").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html.parser import HTMLParser

import aiohttp
import icalendar
import pytest

from tests.integration.test_http_queries import get, wait_ready
from tests.support.kafka import (
    Namespace,
    WorkerProcess,
    consume,
    example_resolution,
    produce,
    tokyo_resolutions,
)

pytestmark = pytest.mark.kafka

SPAN = "from=2016-09-01&to=2016-12-31"
HOSTILE = "<script>alert(1)</script>"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


async def test_either_worker_shows_the_whole_groups_calendar(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    t = namespace.topics
    workers = [spawn_worker(), spawn_worker()]
    bases = [f"http://127.0.0.1:{w.env['CORPACTIONS_WEB_PORT']}" for w in workers]
    n = 8
    evil = example_resolution(
        message_id="evil-1",
        event_id="EVIL-1",
        issuer={"name": HOSTILE},
        security={"local_code": "9999", "mic": "XTKS"},
        other_listings=[],
    )
    async with aiohttp.ClientSession() as session:
        try:
            ready = await wait_ready(session, bases, members=2)
        except AssertionError:
            raise AssertionError("\n".join(w.log()[-3000:] for w in workers)) from None
        await produce(
            namespace.bootstrap,
            t.resolutions,
            [
                *tokyo_resolutions(n),
                (b"XTKS:9999", json.dumps(evil).encode()),
                (b"XTKS:1000", b"\xff not json"),  # a dead letter: undecodable
            ],
        )
        await consume(namespace.bootstrap, [t.schedules], expected=n + 1)
        await consume(namespace.bootstrap, [t.dead_letters], expected=1)
        group = next(iter(ready.values()))["group"]
        by_worker = {url: set(ps) for url, ps in group.items()}

        for base in bases:
            status, body = await get(session, f"{base}/calendar.json?{SPAN}")
            assert status == 200, body
            entries = [e for d in body["days"] for e in d["entries"]]
            # every action: a record date on 09-30 and a payment date on 12-06
            assert [d["day"] for d in body["days"]] == ["2016-09-30", "2016-12-06"]
            ids = {e["event_id"] for e in entries}
            assert ids == {f"E{i}" for i in range(n)} | {"EVIL-1"}
            held = {e["partition"] for e in entries}
            for url, partitions in by_worker.items():  # both workers' partitions show
                assert held & partitions, (url, partitions, held)
            assert sorted(body["workers"]) == sorted(bases)
            statuses = {(e["kind"], e["status"]) for e in entries}
            assert statuses == {("record", "fired"), ("payment", "paid")}
            assert body["overdue"]["count"] == 0
            [reason] = body["dead_letters"]["reasons"]
            assert (reason["reason"], reason["count"]) == ("undecodable", 1)
            [letter] = reason["letters"]
            assert letter["replay"].startswith("corpactions dlq replay --reason undecodable")

            async with session.get(f"{base}/calendar?{SPAN}") as resp:
                assert resp.status == 200
                assert resp.headers["Content-Type"].startswith("text/html")
                page = await resp.text()
            parsed = _Text()
            parsed.feed(page)
            assert "script" not in parsed.tags
            assert HOSTILE not in page
            assert HOSTILE in "".join(parsed.text)
            assert '<section id="day-2016-09-30">' in page
            assert "corpactions dlq replay --reason undecodable" in page

            async with session.get(f"{base}/calendar.ics?{SPAN}&type=payment") as resp:
                assert resp.status == 200
                assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
                ics = icalendar.Calendar.from_ical(await resp.text())
            assert len(ics.walk("VEVENT")) == n + 1

            async with session.get(f"{base}/calendar?from=yesterday") as resp:
                assert resp.status == 400
                assert await resp.text() == (
                    "bad query: from='yesterday' is not an ISO date (YYYY-MM-DD)\n"
                )
            status, body = await get(session, f"{base}/calendar.json?mic=ZZZZ")
            assert status == 400
            assert body["error"] == "bad_query"

        # a peer gone before the group notices: the calendar may miss its dates, so 503
        workers[1].kill()
        async with session.get(f"{bases[0]}/calendar?{SPAN}") as resp:
            assert resp.status == 503
            assert bases[1] in await resp.text()
