"""The calendar page (issue 35) in a real browser: Debian's headless chromium, driven by
Playwright (never a browser of Playwright's own), against a real worker on the real
broker, with the worker's injected clock (CORPACTIONS_CLOCK_FILE).

Expected dates, from the seed example (schemas/examples/board-resolution.iij-fy2016-interim
.json): record date 2016-09-30, payment date 2016-12-06, both Tokyo days.

Overdue: "a date whose instant has passed without firing". A running worker fires a due
date at its next tick, so the instant must pass while the worker is stopped: the clock
moves from 2016-11-04 (record date fired, payment pending) to 2016-12-07 and the worker
restarts with a tick interval of 10 minutes (`CORPACTIONS_TICK_INTERVAL_S`, a real
setting). Between its restore and its first tick the payment date is overdue, exactly
what the page must show; the test reads the page in that window.

The screenshots are kept under .cache/test-artifacts/calendar-browser/ (the path is
printed). Needs `chromium` (`make tools` installs it); skipped, saying so, without it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import async_playwright

from tests.integration.test_http_queries import get, wait_ready
from tests.integration.test_service_lifecycle import set_clock
from tests.support.kafka import (
    Namespace,
    WorkerProcess,
    consume,
    example_resolution,
    produce,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.kafka,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="chromium is not installed: `make tools` installs it"
    ),
]
ARTIFACTS = Path(__file__).resolve().parents[2] / ".cache" / "test-artifacts" / "calendar-browser"
# as root: no sandbox; no network of its own (the host may have none)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IIJ = "Internet Initiative Japan Inc."
HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
SPAN = "from=2016-09-26&to=2016-12-10"


async def test_the_calendar_in_headless_chromium(
    namespace: Namespace, spawn_worker: Callable[..., WorkerProcess], tmp_path: Path
) -> None:
    t = namespace.topics
    clock = tmp_path / "clock"
    set_clock(clock, "2016-11-04T06:00:00+00:00")  # the record date has passed, not the payment
    env = {"CORPACTIONS_CLOCK_FILE": str(clock), "CORPACTIONS_TICK_INTERVAL_S": "0.1"}
    first = spawn_worker(**env)
    base = f"http://127.0.0.1:{first.env['CORPACTIONS_WEB_PORT']}"
    evil = example_resolution(
        message_id="evil-1",
        event_id="EVIL-1",
        issuer={"name": HOSTILE},
        security={"local_code": "9999", "mic": "XTKS"},
        other_listings=[],
    )
    async with aiohttp.ClientSession() as session:
        await wait_ready(session, [base], members=1)
        await produce(
            namespace.bootstrap,
            t.resolutions,
            [
                (b"JP3152820001", json.dumps(example_resolution()).encode()),
                (b"XTKS:9999", json.dumps(evil).encode()),
            ],
        )
        # two schedules and their two record dates (both 2016-09-30, before the clock)
        await consume(namespace.bootstrap, [t.schedules, t.record_dates], expected=4)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        # a fresh profile: Playwright's launch() makes one and removes it after
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = await browser.new_page(java_script_enabled=True)
            await page.goto(f"{base}/calendar?{SPAN}")
            record = page.locator("#day-2016-09-30 tr", has_text=IIJ)
            payment = page.locator("#day-2016-12-06 tr", has_text=IIJ)
            assert "record" in await record.inner_text()
            assert "fired" in await record.inner_text()
            assert "payment" in await payment.inner_text()
            assert "pending" in await payment.inner_text()
            # the hostile issuer: text on the page, never markup that ran
            evil_row = page.locator("#day-2016-09-30 tr", has_text=HOSTILE)
            assert HOSTILE in await evil_row.inner_text()
            assert await page.evaluate("window.pwned") is None
            assert await page.locator("#day-2016-09-30 img").count() == 0
            shot = ARTIFACTS / "calendar-2016-11-04.png"
            await page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")

            # the payment date passes while the worker is stopped
            assert first.stop() == 0
            set_clock(clock, "2016-12-07T00:00:00+00:00")
            second = spawn_worker(**{**env, "CORPACTIONS_TICK_INTERVAL_S": "600"})
            base = f"http://127.0.0.1:{second.env['CORPACTIONS_WEB_PORT']}"
            async with aiohttp.ClientSession() as session:
                await wait_ready(session, [base], members=1)
                status, body = await get(session, f"{base}/calendar.json")
                assert status == 200, body
                assert body["overdue"]["count"] == 2, body["overdue"]  # IIJ and EVIL-1
            await page.goto(f"{base}/calendar")  # today: 2016-12-07, by the clock
            banner = await page.locator(".banner").first.inner_text()
            assert "2 date(s) overdue" in banner
            overdue = page.locator("tr.overdue", has_text=IIJ)
            assert await overdue.count() == 1
            text = await overdue.inner_text()
            assert "2016-12-06" in text
            assert "overdue (pending)" in text
            # highlighted: the page's own style for an overdue row, as rendered
            colour = await overdue.evaluate("e => getComputedStyle(e).backgroundColor")
            assert colour == "rgb(253, 226, 225)"  # .overdue{background:#fde2e1}
            shot = ARTIFACTS / "calendar-overdue-2016-12-07.png"
            await page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
        finally:
            await browser.close()
