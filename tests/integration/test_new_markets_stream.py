"""The new markets through a real broker: a Hong Kong book closure and a dividend whose
London and Hong Kong registers have their own record dates, each scheduled by the worker
as published, and a German record date before 2017 dead-lettered with its reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.kafka import Namespace, WorkerProcess, consume, produce, security_key

pytestmark = pytest.mark.kafka

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"


async def test_book_closure_and_per_register_record_dates_on_a_real_broker(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    t = namespace.topics
    langham = json.loads((EXAMPLES / "board-resolution.langham-2017-interim.json").read_text())
    hsbc = json.loads((EXAMPLES / "board-resolution.hsbc-2014-first-interim.json").read_text())
    german = {
        **hsbc,
        "message_id": "continental-2016-msg-1",
        "event_id": "DE0005439004-DVCA-FY2015",
        "security": {"isin": "DE0005439004", "local_code": "CON", "mic": "XETR"},
        "other_listings": [],
        "record_date": "2016-05-03",
        "payment_date": "2016-05-03",
    }
    worker = spawn_worker()
    await produce(
        namespace.bootstrap,
        t.resolutions,
        [(security_key(d), json.dumps(d).encode()) for d in (langham, hsbc, german)],
    )
    out = await consume(namespace.bootstrap, [t.schedules, t.dead_letters], 3, within=120)
    assert len(out) == 3, worker.log()[-3000:]
    events = {r.json()["event_id"]: r.json() for r in out if r.topic == t.schedules}

    # Langham 2017 (published): books closed 09-11..09-14, record 09-14, ex 09-07.
    primary = events[langham["event_id"]]["schedule"]["primary_listing"]
    assert (primary["ex_date"], primary["record_date"]) == ("2017-09-07", "2017-09-14")
    assert primary["book_closure"] == {"first_day": "2017-09-11", "last_day": "2017-09-14"}

    # HSBC 2014 (published): UK register 05-23, Hong Kong register 05-22, one ex 05-21.
    schedule = events[hsbc["event_id"]]["schedule"]
    listings = [schedule["primary_listing"], *schedule["other_listings"]]
    assert [(x["mic"], x["record_date"], x["ex_date"]) for x in listings] == [
        ("XLON", "2014-05-23", "2014-05-21"),
        ("XHKG", "2014-05-22", "2014-05-21"),
    ]

    [letter] = [r.json() for r in out if r.topic == t.dead_letters]
    assert letter["reason"]["code"] == "domain_rule"
    codes = [e["code"] for e in letter["reason"]["errors"]]
    assert "record_date_not_in_use" in codes, letter
