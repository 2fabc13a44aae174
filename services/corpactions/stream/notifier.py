"""The notifier: schedule events in, ISO 20022 documents out (an agent, stream/agent.py).

It reads the schedules topic (``DividendScheduled``, ``DividendScheduleReplaced``,
``DividendCancelled``) in a consumer group of its own, ``<app id>-notifier``, and writes
for each event the document custodians take in: seev.031 NEWM for a first schedule,
seev.031 REPL (linked to the notification it replaces) for a replacement, seev.039 for a
cancellation or withdrawal. The engine runs it exactly as it runs the lifecycle: its
documents, its state and its input offset in one transaction per batch.

Everything a document says comes from the event: its schedule (dates, rate, security,
terms), its ``official_reference`` and, for a cancellation that states other details
than the schedule it cancels (or has none), its ``cancellation``. The record's key is
the security's, its headers carry ``ce_time`` = the event's ``emitted_at``: the same
document, byte for byte, as when the lifecycle wrote it in the resolution's transaction.

Its one piece of state, per action: the last version it saw and whether that version's
notification could be written. A REPL links to the previous notification only if there
was one (a version the standard could not express went out as a dead letter, so its
replacement goes out as NEWM: custodians never received what it would replace). That
fact is the notifier's own outcome, not the event's: keeping it here spares the
lifecycle the ISO 20022 checks (see docs/notifier.md).

A schedule event without the header `NOTIFIER_MARK` (contracts/headers.py) was written
by 0.1.x, which wrote its document in the event's own transaction (or dead-lettered it):
the notifier writes nothing for it, and only keeps whether that document could be
written, for the REPL that may follow. So the first notifier of an upgraded deployment,
reading the schedules topic from its start, sends no custodian a document a second time.

A document the standard cannot express gets a dead letter (``iso20022_restriction``)
holding the schedule event whole, naming where it was read (topic, partition, offset)
and its id; the schedule itself stands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, cast

from pydantic_core import from_json

from corpactions.contracts.board_resolution import BoardResolution, DividendType, Function
from corpactions.contracts.events import DeadLetterCode, deterministic_id
from corpactions.contracts.headers import notifier_marked, xml_cloudevent_headers
from corpactions.contracts.topics import Topics
from corpactions.domain import SourceOfFunds
from corpactions.notifications import Document, Inexpressible, cancellation_advice, notification
from corpactions.stream.agent import AgentState, Outcome, Outgoing, dead_letter, with_trace
from corpactions.stream.intake import Rejection, Source
from corpactions.stream.schema_registry import unframe

NOTIFIED_PREFIX = b"n:"  # n:<event_id> -> "<version> <1 if its document was written, else 0>"
OFFSET_KEY = b"o:"
SCHEDULED, REPLACED = "DividendScheduled", "DividendScheduleReplaced"
CANCELLED = "DividendCancelled"


@dataclass
class NotifierState:
    """One schedules partition's state: per action, (last version seen, its document was
    written); and where processing resumes. No timers."""

    notified: dict[str, tuple[int, bool]] = field(default_factory=dict)
    next_offset: int | None = None

    def apply_changelog(self, key: bytes, value: bytes | None) -> None:
        if key == OFFSET_KEY:
            self.next_offset = None if value is None else int(value)
        elif key.startswith(NOTIFIED_PREFIX):
            event_id = key[len(NOTIFIED_PREFIX) :].decode()
            if value is None:
                self.notified.pop(event_id, None)
            else:
                version, sent = value.split(b" ")
                self.notified[event_id] = (int(version), sent == b"1")

    def put_notified(self, event_id: str, version: int, sent: bool) -> tuple[bytes, bytes]:
        self.notified[event_id] = (version, sent)
        return NOTIFIED_PREFIX + event_id.encode(), b"%d %d" % (version, sent)

    def put_next_offset(self, offset: int) -> tuple[bytes, bytes]:
        self.next_offset = offset
        return OFFSET_KEY, str(offset).encode()

    def next_due(self) -> dt.datetime | None:
        return None

    def overdue(self, now: dt.datetime) -> tuple[int, dt.datetime | None]:
        return 0, None

    @property
    def timer_backlog(self) -> int:
        return 0

    def track_containers(self) -> None:
        tracked: list[str] = []  # see PartitionState.track_containers
        self.notified["\x00track"] = tracked  # type: ignore[assignment]
        del self.notified["\x00track"]


def _day(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


class _Security(NamedTuple):
    isin: str | None
    local_code: str | None
    mic: str


class _Resolution(NamedTuple):
    """What the documents read of a resolution (notifications/seev.py), as the event
    gives it: read in place of the `BoardResolution` (building a pydantic model, even
    unvalidated, cost more than the document)."""

    event_id: str
    version: int
    function: Function
    official_reference: str | None
    subject_to_approval: bool
    security: _Security
    record_date: dt.date | None
    payment_date: dt.date | None
    source_of_funds: SourceOfFunds
    dividend_type: DividendType | None = None
    currency: str = ""
    gross_amount_per_share: Decimal = Decimal(0)
    resolved_on: dt.date | None = None


def _security(security_key: str, mic: str) -> _Security:
    """The security as the key names it: the ISIN, else ``MIC:local code``."""
    if ":" in security_key:
        return _Security(None, security_key.split(":", 1)[1], mic)
    return _Security(security_key, None, mic)


def _funds(event_type: str) -> SourceOfFunds:
    """What the document reads of the source of funds: capital surplus (CAPD) or not."""
    if event_type == "CAPD":
        return SourceOfFunds.CAPITAL_SURPLUS
    return SourceOfFunds.RETAINED_EARNINGS


def scheduled_resolution(event: dict[str, Any]) -> BoardResolution:
    """The resolution a schedule event stands for, as far as its seev.031 reads it (the
    lifecycle validated it)."""
    schedule = event["schedule"]
    amounts = schedule["amounts"]
    return cast(
        BoardResolution,
        _Resolution(
            event_id=event["event_id"],
            version=event["version"],
            function=Function(schedule["function"]),
            official_reference=event.get("official_reference"),
            subject_to_approval=not schedule["status"]["confirmed"],
            security=_security(event["security_key"], schedule["primary_listing"]["mic"]),
            dividend_type=DividendType(schedule["dividend_type"]),
            currency=amounts["currency"],
            gross_amount_per_share=Decimal(amounts["gross_amount_per_share"]),
            resolved_on=_day(schedule["resolved_on"]),
            record_date=_day(schedule["record_date"]),
            payment_date=_day(schedule["payment_date"]),
            source_of_funds=_funds(schedule["event_type"]),
        ),
    )


def cancelling_resolution(event: dict[str, Any]) -> BoardResolution:
    """The cancelling resolution, as far as its seev.039 reads it: its own details when
    the event carries them (``cancellation``), else the cancelled schedule's."""
    details, schedule = event.get("cancellation"), event.get("schedule")
    if details is not None:
        security = _Security(details["isin"], details["local_code"], details["mic"])
        record_date, payment_date = details["record_date"], details["payment_date"]
        approval, kind = details["subject_to_approval"], details["event_type"]
    elif schedule is not None:
        security = _security(event["security_key"], schedule["primary_listing"]["mic"])
        record_date, payment_date = schedule["record_date"], schedule["payment_date"]
        approval, kind = not schedule["status"]["confirmed"], schedule["event_type"]
    else:
        raise KeyError("cancellation")  # the lifecycle writes one of the two
    return cast(
        BoardResolution,
        _Resolution(
            event_id=event["event_id"],
            version=event["version"],
            function=Function(event["function"]),
            official_reference=event.get("official_reference"),
            subject_to_approval=approval,
            security=security,
            record_date=_day(record_date),
            payment_date=_day(payment_date),
            source_of_funds=_funds(kind),
        ),
    )


class Notifier:
    """The ISO 20022 notifier agent (see the module docstring)."""

    name = "notifier"
    uses_calendars = False  # everything it writes comes from the event

    def __init__(self, topics: Topics) -> None:
        self.topics = topics

    def new_state(self) -> NotifierState:
        return NotifierState()

    def restored(self, state: AgentState) -> None:
        pass  # nothing derived: no timers

    def on_tick(self, state: AgentState, now: dt.datetime) -> Outcome:
        return _NOTHING

    def on_record(self, state: AgentState, raw: bytes, source: Source, now: dt.datetime) -> Outcome:
        """The document of one schedule event, or a dead letter saying why there is none;
        with the event's trace context (``traceparent``, ``tracestate``), the
        resolution's, on it."""
        outcome = self._on_event(state, raw, source, now)
        return with_trace(outcome, source) if source.headers else outcome

    def _on_event(self, state: AgentState, raw: bytes, source: Source, now: dt.datetime) -> Outcome:
        assert isinstance(state, NotifierState)
        if raw[:1] == b"\x00":  # framed: the lifecycle's with a Schema Registry
            raw = unframe(raw)[1]
        try:
            event = from_json(raw)
            kind = event["type"]
            if kind == CANCELLED:
                document = self._document(cancellation_advice, cancelling_resolution(event))
                changes: tuple[tuple[bytes, bytes], ...] = ()
            elif kind in (SCHEDULED, REPLACED):
                resolution = scheduled_resolution(event)
                replaced = None
                if kind == REPLACED:
                    replaced = self._replaced(state, event["event_id"], event["previous_version"])
                document = self._document(notification, resolution, _ex_date(event), replaced)
                sent = not isinstance(document, Inexpressible)
                changes = (state.put_notified(event["event_id"], event["version"], sent),)
            else:
                return Outcome(None)  # another event type: not the notifier's
        except (ValueError, KeyError, TypeError) as exc:
            rejection = Rejection(
                DeadLetterCode.SCHEMA_VIOLATION, f"not a schedule event the notifier reads: {exc!r}"
            )
            return dead_letter(self.topics.dead_letters, raw, source, rejection, now, "seev")
        if not notifier_marked(source.headers):  # 0.1.x wrote its document with the event
            return Outcome(None, (), changes)
        if isinstance(document, Inexpressible):
            rejection = Rejection(
                DeadLetterCode.ISO20022_RESTRICTION,
                f"schedule event {event.get('id')} ({kind} of {event['event_id']} version "
                f"{event['version']}): {document}",
                document.errors,
            )
            letter = dead_letter(self.topics.dead_letters, raw, source, rejection, now, "seev")
            return Outcome(letter.verdict, letter.outputs, changes, letter.reason)
        emitted_at = dt.datetime.fromisoformat(event["emitted_at"])
        out = Outgoing(
            topic=self.topics.notifications,
            key=event["security_key"].encode(),
            value=document.xml,
            headers=xml_cloudevent_headers(
                deterministic_id(document.message, event["event_id"], str(event["version"])),
                document.message,
                event["event_id"],
                emitted_at,
            ),
            event_type=document.message,
        )
        return Outcome(None, (out,), changes)

    @staticmethod
    def _document(build: Any, *args: Any) -> Document | Inexpressible:
        try:
            document: Document = build(*args)
        except Inexpressible as exc:
            return exc
        return document

    @staticmethod
    def _replaced(state: NotifierState, event_id: str, previous: int) -> int | None:
        """The version a REPL links to: the previous one, unless its document could not
        be written (then None: the replacement goes out as NEWM). An action whose
        earlier events this notifier never read (e.g. deleted by retention before it
        first ran) is taken as notified."""
        held = state.notified.get(event_id)
        if held is not None and held[0] == previous and not held[1]:
            return None
        return previous


def _ex_date(event: dict[str, Any]) -> dt.date | None:
    return _day(event["schedule"]["primary_listing"]["ex_date"])


_NOTHING = Outcome(None)
