"""The notifier agent: the document of each schedule event, from the event alone.

Each expected document is the one `notification` / `cancellation_advice` (held to the
hand-written golden XML and to xsdata in test_notifications.py) writes for the resolution
itself: the notifier, reading only the event, must write the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.events import DividendCancelled
from corpactions.contracts.topics import Topics
from corpactions.notifications import cancellation_advice, notification
from corpactions.settings import Settings
from corpactions.stream.agent import Outcome, placement
from corpactions.stream.intake import Source
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.notifier import Notifier, NotifierState
from corpactions.stream.state import PartitionState
from tests.support.kafka import key_of
from tests.unit.resolutions import iij_dict

TOPICS = Topics()
NOW = dt.datetime(2016, 11, 4, 6, 0, 0, 125_000, tzinfo=dt.UTC)
IIJ_EX_DATE = dt.date(2016, 9, 28)  # DOMAIN.md: record 2016-09-30 (XTKS, T+3) -> ex 09-28


class Run:
    """A lifecycle and a notifier, the notifier reading the lifecycle's schedule events."""

    def __init__(self) -> None:
        self.life, self.state = Lifecycle(TOPICS), PartitionState()
        self.notifier, self.notified = Notifier(TOPICS), NotifierState()
        self.offset = 0
        self.changes: list[tuple[bytes, bytes]] = []

    def feed(self, **changes: Any) -> tuple[dict[str, Any], Outcome]:
        """One resolution (IIJ's, with ``changes``): its schedule event and the notifier's
        outcome for it."""
        raw = json.dumps(iij_dict(**changes), ensure_ascii=False).encode()
        source = Source(TOPICS.resolutions, 0, self.offset, None, key_of(raw))
        outcome = self.life.on_resolution(self.state, raw, source, NOW)
        [event] = [o for o in outcome.outputs if o.topic == TOPICS.schedules]
        at = Source(TOPICS.schedules, 0, self.offset, None, event.key, event.headers)
        self.offset += 1
        notice = self.notifier.on_record(self.notified, event.value, at, NOW)
        self.changes += notice.changes
        return json.loads(event.value), notice


def resolution(**changes: Any) -> BoardResolution:
    return BoardResolution.model_validate_json(json.dumps(iij_dict(**changes)))


def document(notice: Outcome) -> bytes:
    [out] = notice.outputs
    assert out.topic == TOPICS.notifications
    return out.value


def test_the_official_reference_travels_in_the_event_into_the_document() -> None:
    run = Run()
    event, notice = run.feed(official_reference="IIJ-2016-INT")
    assert event["official_reference"] == "IIJ-2016-INT"
    expected = notification(resolution(official_reference="IIJ-2016-INT"), IIJ_EX_DATE)
    assert document(notice) == expected.xml
    assert b"<OffclCorpActnEvtId>IIJ-2016-INT</OffclCorpActnEvtId>" in expected.xml


def test_without_an_official_reference_the_event_has_no_such_field() -> None:
    event, _ = Run().feed()
    assert "official_reference" not in event


def test_a_security_without_an_isin_is_named_by_its_local_code_and_market() -> None:
    run = Run()
    security = {"local_code": "3774", "mic": "XTKS"}
    _, notice = run.feed(security=security, other_listings=[])
    expected = notification(resolution(security=security, other_listings=[]), IIJ_EX_DATE)
    assert document(notice) == expected.xml
    assert notice.outputs[0].key == b"XTKS:3774"


def test_a_cancellation_stating_what_its_schedule_says_carries_no_details() -> None:
    run = Run()
    run.feed()
    event, notice = run.feed(message_id="m2", function="CANC", version=2)
    assert "cancellation" not in event
    canc = resolution(message_id="m2", function="CANC", version=2)
    assert document(notice) == cancellation_advice(canc).xml


def test_a_cancellation_stating_other_terms_carries_them_and_its_advice_says_them() -> None:
    run = Run()
    run.feed()
    changes = {"message_id": "m2", "function": "WITH", "version": 2, "payment_date": None,
               "subject_to_approval": True}  # fmt: skip
    event, notice = run.feed(**changes)
    assert event["cancellation"]["payment_date"] is None
    assert event["cancellation"]["subject_to_approval"] is True
    DividendCancelled.model_validate(event)
    assert document(notice) == cancellation_advice(resolution(**changes)).xml


def test_a_cancellation_of_an_action_never_scheduled_carries_its_details() -> None:
    event, notice = Run().feed(message_id="m2", function="CANC", version=2)
    assert event["schedule"] is None
    assert event["cancellation"]["record_date"] == "2016-09-30"
    canc = resolution(message_id="m2", function="CANC", version=2)
    assert document(notice) == cancellation_advice(canc).xml


def test_its_state_restores_from_its_changelog_records() -> None:
    run = Run()
    run.feed(official_reference="R" * 20)  # not expressible: not notified
    run.feed(message_id="m2", function="REPL", version=2)
    restored = NotifierState()
    for key, value in run.changes:
        restored.apply_changelog(key, value)
    assert restored.notified == run.notified.notified
    assert restored.notified == {"JP3152820001-DVCA-FY2016-INTERIM": (2, True)}


def test_a_replacement_links_to_a_previous_version_it_never_read() -> None:
    """An action whose first event is gone (retention) before the notifier first ran:
    its previous version is taken as notified."""
    run = Run()
    raw = json.dumps(iij_dict()).encode()
    run.life.on_resolution(run.state, raw, Source("in", 0, 0, None, key_of(raw)), NOW)
    _, notice = run.feed(message_id="m2", function="REPL", version=2)
    assert b"<NtfctnTp>REPL</NtfctnTp>" in document(notice)


def test_a_record_that_is_not_a_schedule_event_is_dead_lettered() -> None:
    source = Source(TOPICS.schedules, 3, 17, None, b"k")
    notice = Notifier(TOPICS).on_record(NotifierState(), b"{not json", source, NOW)
    [letter] = notice.outputs
    assert letter.topic == TOPICS.dead_letters
    body = json.loads(letter.value)
    assert body["reason"]["code"] == "schema_violation"
    assert (body["source_topic"], body["source_partition"], body["source_offset"]) == (
        TOPICS.schedules,
        3,
        17,
    )


def test_the_notifier_has_its_own_group_changelog_and_transactional_ids() -> None:
    settings = Settings.from_env({})
    life, notifier = placement(settings, "lifecycle"), placement(settings, "notifier")
    assert life.group_id == settings.app_id  # as every release had it
    assert life.transactional_id(3) == f"{settings.app_id}-{settings.topics.resolutions}-3"
    assert notifier.group_id == f"{settings.app_id}-notifier"
    assert notifier.input_topic == settings.topics.schedules
    assert notifier.changelog_topic == settings.topics.changelog(f"{settings.app_id}-notifier")
    assert notifier.transactional_id(3) != life.transactional_id(3)


def test_documents_off_means_no_notifier() -> None:
    off = Settings.from_env({"CORPACTIONS_ISO20022_NOTIFICATIONS": "false"})
    assert off.running_agents == ("lifecycle",)
    assert Settings.from_env({}).running_agents == ("lifecycle", "notifier")
    alone = Settings.from_env({"CORPACTIONS_AGENTS": "notifier"})
    assert alone.running_agents == ("notifier",)


def test_a_worker_with_nothing_to_run_says_so_and_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpactions.cli import main

    monkeypatch.setenv("CORPACTIONS_AGENTS", "notifier")
    monkeypatch.setenv("CORPACTIONS_ISO20022_NOTIFICATIONS", "false")
    assert main(["worker"]) == 2
    assert "nothing to run" in capsys.readouterr().err
    assert main(["notifier"]) == 2
    assert "CORPACTIONS_ISO20022_NOTIFICATIONS=false" in capsys.readouterr().err
