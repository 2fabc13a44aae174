"""The lifecycle of a corporate action: what one message or one tick does to the state.

Pure apart from the clock value it is given: no Kafka here, so the same code serves the
engine, the benchmarks and the unit tests. One resolution's path reads straight through:
bytes -> contract model -> dividend core -> events + changelog records.

Rules (ISO 15022 function of message, DOMAIN.md "Lifecycle"):
- a ``message_id`` already applied to the action changes nothing (duplicate);
- a version not newer than the action's is ignored and counted (stale);
- NEWM/REPL schedule or re-schedule; a moved date moves its timer;
- CANC/WITH cancel pending dates and emit ``DividendCancelled``; a later NEWM/REPL for a
  cancelled action is dead-lettered (``event_cancelled``): ISO 15022 requires a new event;
- once the record date is reached (positions struck at its end) a REPL may change the rate
  and the payment date, not the record date (``record_date_already_reached``);
- once the payment date is reached (fired, or due at ``now``) the dividend is paid: any
  update or cancellation is dead-lettered (``event_already_paid``) and nothing changes; a
  payment date fires once per action, ever (DOMAIN.md: "once paid, a correction is a new
  event, not an update").

When a date is reached (issue 15): the record date at the end of its settlement day,
23:59:59 market-local by default; the payment date at its start, 00:00 (both set in
`Settings`).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, cast

from corpactions.contracts.board_resolution import STORED, BoardResolution
from corpactions.contracts.events import (
    CancellationDetails,
    DeadLetterCode,
    DividendCancelled,
    DividendScheduled,
    DividendScheduleReplaced,
    PaymentDateReached,
    RecordDateReached,
    _Event,
    deterministic_id,
    event_json,
    event_type,
)
from corpactions.contracts.forecast import forecast_entries
from corpactions.contracts.headers import NOTIFIER_MARK, cloudevent_headers
from corpactions.contracts.inbound import is_forecast
from corpactions.contracts.schedule import schedule_json, to_history_entry
from corpactions.contracts.topics import Topics
from corpactions.domain import (
    DividendHistory,
    DomainRejected,
    EventType,
    SourceOfFunds,
    schedule_dividend,
)
from corpactions.domain.forecasts import apply_forecasts
from corpactions.stream import instants, intake
from corpactions.stream.agent import AgentState, Outcome, Outgoing, dead_letter, with_trace
from corpactions.stream.intake import (
    CANCELLING,
    Rejection,
    Source,
    Verdict,
)
from corpactions.stream.schema_registry import Fit, SchemaVerdicts, unframe
from corpactions.stream.state import PAYMENT, RECORD, Action, PartitionState, pack


@dataclass(frozen=True, slots=True)
class EncodedSchedule:
    """A schedule computed by the core, encoded as contract JSON once for every event that
    carries it (scheduled, record date, payment date), with the dates those events name."""

    json: bytes
    record_date: dt.date
    payment_date: dt.date | None
    mic: str  # the primary market, whose time zone places the dates
    ex_date: dt.date  # the primary listing's (the ISO 20022 notification's ExDvddDt)

    @classmethod
    def of(cls, resolution: BoardResolution, history: DividendHistory) -> EncodedSchedule:
        """Raises `DomainRejected` (with every reason) when the resolution breaks a rule."""
        schedule = schedule_dividend(resolution, history)
        return cls(
            schedule_json(resolution, schedule),
            resolution.record_date,
            resolution.payment_date,
            resolution.security.mic,
            schedule.ex_date,
        )


def _encoded_schedule(resolution: BoardResolution, history: DividendHistory) -> EncodedSchedule:
    """The resolution's schedule, or a `Rejection` with every dividend rule it breaks."""
    try:
        return EncodedSchedule.of(resolution, history)
    except DomainRejected as exc:
        raise intake.breaks_rules(exc) from None


def _advice_details(resolution: BoardResolution) -> CancellationDetails:
    """What a seev.039 reads of ``resolution`` besides its ids (notifications/seev.py): the
    local code only where there is no ISIN, the payment date only as known or not."""
    security = resolution.security
    capital = resolution.source_of_funds == SourceOfFunds.CAPITAL_SURPLUS
    return CancellationDetails(
        isin=security.isin,
        local_code=security.local_code if security.isin is None else None,
        mic=security.mic,
        event_type=EventType.CAPD if capital else EventType.DVCA,
        record_date=resolution.record_date,
        payment_date=resolution.payment_date,
        subject_to_approval=resolution.subject_to_approval,
    )


def _cancellation_details(
    resolution: BoardResolution, cancelled: BoardResolution | None
) -> dict[str, Any] | None:
    """The cancelling resolution's details for `DividendCancelled.cancellation`: None
    when the cancelled schedule (``cancelled``'s) states the same to its ISO 20022
    advice, so that a reader of the event (the notifier) need not be told twice."""
    own = _advice_details(resolution)
    if cancelled is not None:
        theirs = _advice_details(cancelled)
        known = own.payment_date is not None
        if own == theirs.model_copy(update={"payment_date": own.payment_date}) and known == (
            theirs.payment_date is not None
        ):
            return None
    return own.model_dump(mode="json")


class Lifecycle:
    """Turns messages and clock ticks into events and state changes for one service."""

    def __init__(
        self,
        topics: Topics,
        record_date_time: dt.time = dt.time(23, 59, 59),
        payment_date_time: dt.time = dt.time(0, 0),
        schemas: SchemaVerdicts | None = None,
    ) -> None:
        self.topics = topics
        self.event_times = {RECORD: record_date_time, PAYMENT: payment_date_time}
        self.schemas = schemas  # None: no registry; a frame is stripped unchecked

    # -- the agent the engine hosts (stream/agent.py) ----------------------------------
    name = "lifecycle"
    uses_calendars = True

    def new_state(self) -> PartitionState:
        return PartitionState()

    def restored(self, state: AgentState) -> None:
        assert isinstance(state, PartitionState)
        state.rebuild_timers(self.redue)

    def on_record(self, state: AgentState, raw: bytes, source: Source, now: dt.datetime) -> Outcome:
        if raw[:1] == b"\x00":  # a Schema Registry frame (stream/schema_registry.py)
            schema_id, payload = unframe(raw)
            if schema_id is not None and self.schemas is not None:
                fit = self.schemas.fit(schema_id)
                if fit is not Fit.READABLE:
                    letter = self.dead_letter(raw, source, _unfit(schema_id, fit), now)
                    return with_trace(letter, source)
            raw = payload  # later dead letters hold the JSON, which replays as it is
        outcome = self.on_resolution(cast(PartitionState, state), raw, source, now)
        return with_trace(outcome, source) if source.headers else outcome

    async def prepare(self, records: Iterable[Any]) -> None:
        """Learn, before a batch, the schema ids of its framed records the registry
        has not been asked about (once per id: never a registry call per message)."""
        if self.schemas is not None:
            await self.schemas.learn(r.value for r in records)

    # -- building blocks ---------------------------------------------------------------
    def _emit(
        self,
        topic: str,
        model: type[_Event],
        fields: dict[str, Any],
        at: dt.datetime,
        schedule: EncodedSchedule | None,
    ) -> Outgoing:
        """One output event: its contract JSON (`event_json`, the schedule's JSON spliced
        in), keyed by the security, with CloudEvents headers; a schedule event also with
        the mark that its ISO 20022 document is the notifier's (NOTIFIER_MARK)."""
        kind = event_type(model)
        headers = cloudevent_headers(fields["id"], kind, at)
        if topic == self.topics.schedules:
            headers = (*headers, NOTIFIER_MARK)
        return Outgoing(
            topic=topic,
            key=fields["security_key"].encode(),
            value=event_json(model, fields, schedule.json if schedule is not None else None),
            headers=headers,
            event_type=kind,
        )

    @staticmethod
    def _envelope(
        kind: str, action: Action, due_at: dt.datetime, now: dt.datetime, *id_parts: str
    ) -> dict[str, Any]:
        """The fields every output event shares; its id derives from ``kind`` and
        ``id_parts``."""
        return {
            "id": deterministic_id(kind, action.event_id, *id_parts),
            "event_id": action.event_id,
            "version": action.version,
            "security_key": action.security_key,
            "due_at": due_at,
            "emitted_at": now,
        }

    def due_time(self, day: dt.date, mic: str, kind: str) -> dt.datetime:
        """When a record (``kind`` RECORD) or payment date is reached: its configured time
        of day on that date in the market's time zone."""
        return instants.arrival(day, mic, self.event_times[kind])

    def redue(self, action: Action) -> Action:
        """``action`` with its pending dates placed by the times in force now (the same
        object when nothing moves).

        A restored state may come from a version, or settings, that placed them at
        another time of day (before issue 15 both dates fired at 00:00 local): each
        pending date keeps its market-local day and moves to the configured time."""
        if action.cancelled:
            return action
        mic = action.mic
        if mic is None:  # written before the MIC was kept: the resolution has it
            held = action.resolution_json
            if held is None:
                return action
            stored = BoardResolution.model_validate_json(held, context=STORED)
            mic = stored.security.mic
        changes: dict[str, Any] = {} if mic == action.mic else {"mic": mic}
        record_due, payment_due = action.record_due, action.payment_due
        if record_due is not None and record_due != action.record_fired:
            placed = instants.placed(record_due, mic, self.event_times[RECORD])
            if placed != record_due:
                changes["record_due"] = placed
        if payment_due is not None and action.payment_fired is None:
            placed = instants.placed(payment_due, mic, self.event_times[PAYMENT])
            if placed != payment_due:
                changes["payment_due"] = placed
        return replace(action, **changes) if changes else action

    def dead_letter(
        self,
        raw: bytes,
        source: Source,
        rejection: Rejection,
        now: dt.datetime,
        kind: str = "dlq",
    ) -> Outcome:
        """The record kept whole on the dead-letter topic, with why it was rejected."""
        return dead_letter(self.topics.dead_letters, raw, source, rejection, now, kind)

    # -- one input message ---------------------------------------------------------------
    def on_resolution(
        self, state: PartitionState, raw: bytes, source: Source, now: dt.datetime
    ) -> Outcome:
        """Schedule, re-schedule or cancel the resolution's action, or enter a dividend
        forecast in its security's history; or say why not."""
        if is_forecast(raw):
            return self._on_forecast(state, raw, source, now)
        try:
            resolution = intake.read(raw, source)
            action = state.actions.get(resolution.event_id)
            if action is not None:
                repeated = intake.repeated(action, resolution)
                if repeated is not None:
                    return Outcome(repeated)
            received = intake.received_at(source, now)
            if action is not None and not action.cancelled and intake.paid(action, now):
                raise intake.after_payment(resolution, action)
            if resolution.function in CANCELLING:
                return self._cancel(state, action, resolution, received, now)
            if action is not None and action.cancelled:
                raise intake.after_cancellation(resolution, action)
            if action is not None:
                moved = intake.record_date_moved_after_reached(action, resolution, now)
                if moved is not None:
                    raise moved
            history = state.history_for(
                resolution.security_key, resolution.fiscal_year_end, resolution.currency
            )
            schedule = _encoded_schedule(resolution, history)
        except Rejection as rejection:
            return self.dead_letter(raw, source, rejection, now)
        return self._schedule(state, action, resolution, raw, schedule, received, now)

    def _on_forecast(
        self, state: PartitionState, raw: bytes, source: Source, now: dt.datetime
    ) -> Outcome:
        """A forecast revises the held forecasts of its periods (the latest disclosure
        wins, domain/forecasts.py); later resolutions' roll-ups count it. No event."""
        try:
            forecast = intake.read_forecast(raw, source)
        except Rejection as rejection:
            return self.dead_letter(raw, source, rejection, now)
        key = forecast.security_key
        entries = forecast_entries(forecast)
        # a forecast revises only forecasts of its own periods: its fiscal years' entries
        held = state.entries_of_years(key, {e.fiscal_year_end for e in entries})
        updated = apply_forecasts(held, entries)
        if updated is held:  # nothing newer: the same forecasts again, or older ones
            return Outcome(Verdict.DUPLICATE if set(entries) <= set(held) else Verdict.STALE)
        changes: list[tuple[bytes, bytes | None]] = []
        for n, entry in enumerate(updated):
            if n >= len(held) or entry is not held[n]:  # new, or revised
                changes += state.put_entry(key, entry)
        return Outcome(Verdict.FORECAST, (), tuple(changes))

    def _schedule(
        self,
        state: PartitionState,
        action: Action | None,
        resolution: BoardResolution,
        raw: bytes,
        schedule: EncodedSchedule,
        received: dt.datetime,
        now: dt.datetime,
    ) -> Outcome:
        """A new action or a new version of one: its state, its history entry, its timers,
        and ``DividendScheduled`` (``DividendScheduleReplaced`` over an earlier version)."""
        state.remember_schedule(resolution.event_id, resolution.version, schedule)
        new = self._scheduled_action(action, resolution, raw)
        # the entry replaces the event's earlier one: one changelog record, whatever the
        # history holds
        changes = (
            state.put_action(new, raw),
            *state.put_entry(new.security_key, to_history_entry(resolution), action is not None),
        )
        model: type[DividendScheduled | DividendScheduleReplaced]
        if action is None:
            model, verdict = DividendScheduled, Verdict.SCHEDULED
        else:
            model, verdict = DividendScheduleReplaced, Verdict.REPLACED
        fields = self._envelope(model.__name__, new, received, now, str(new.version))
        if action is not None:
            fields["previous_version"] = action.version
        fields["official_reference"] = resolution.official_reference
        out = self._emit(self.topics.schedules, model, fields, now, schedule)
        return Outcome(verdict, (out,), changes)

    def _scheduled_action(
        self, action: Action | None, resolution: BoardResolution, raw: bytes
    ) -> Action:
        """The action as of ``resolution``: its dates due in the listing market's time
        zone; what already fired stays fired (only a record date not reached yet can move,
        and a paid action is never rescheduled)."""
        mic = sys.intern(resolution.security.mic)  # held by every action of the market
        payment_date = resolution.payment_date
        return Action(
            event_id=resolution.event_id,
            security_key=resolution.security_key,
            version=resolution.version,
            function=resolution.function.value,
            message_ids=((action.message_ids if action else ()) + (resolution.message_id,)),
            resolution=pack(raw),
            record_due=self.due_time(resolution.record_date, mic, RECORD),
            payment_due=self.due_time(payment_date, mic, PAYMENT) if payment_date else None,
            record_fired=action.record_fired if action else None,
            payment_fired=action.payment_fired if action else None,
            mic=mic,
        )

    def _cancel(
        self,
        state: PartitionState,
        action: Action | None,
        resolution: BoardResolution,
        received: dt.datetime,
        now: dt.datetime,
    ) -> Outcome:
        previous: EncodedSchedule | None = None
        cancelled: BoardResolution | None = None
        held = None if action is None or action.cancelled else action.resolution_json
        if action is not None and held is not None:
            previous = self._schedule_of(state, action)
            cancelled = BoardResolution.model_validate_json(held, context=STORED)
        new = Action(
            event_id=resolution.event_id,
            security_key=resolution.security_key,
            version=resolution.version,
            function=resolution.function.value,
            message_ids=((action.message_ids if action else ()) + (resolution.message_id,)),
            resolution=action.resolution if action else None,
            record_due=action.record_due if action else None,
            payment_due=action.payment_due if action else None,
            record_fired=action.record_fired if action else None,
            payment_fired=action.payment_fired if action else None,
            mic=action.mic if action else None,
        )
        changes: list[tuple[bytes, bytes | None]] = [state.put_action(new)]
        changes += state.drop_event(resolution.security_key, resolution.event_id)
        fields = self._envelope("DividendCancelled", new, received, now, str(new.version))
        fields["function"] = "WITH" if resolution.function.value == "WITH" else "CANC"
        fields["official_reference"] = resolution.official_reference
        fields["cancellation"] = _cancellation_details(resolution, cancelled)
        out = self._emit(self.topics.schedules, DividendCancelled, fields, now, previous)
        return Outcome(Verdict.CANCELLED, (out,), tuple(changes))

    def _schedule_of(self, state: PartitionState, action: Action) -> EncodedSchedule:
        """The schedule of the action's current version (cached, else recomputed)."""
        cached = state.schedule_cache.get((action.event_id, action.version))
        if cached is not None:
            return cast(EncodedSchedule, cached)
        stored = action.resolution_json
        assert stored is not None
        resolution = BoardResolution.model_validate_json(stored, context=STORED)
        history = state.history_for(
            action.security_key, resolution.fiscal_year_end, resolution.currency
        )
        schedule = EncodedSchedule.of(resolution, history)
        state.remember_schedule(action.event_id, action.version, schedule)
        return schedule

    # -- the clock -----------------------------------------------------------------------
    def on_tick(self, state: PartitionState, now: dt.datetime) -> Outcome:
        """Fire every date due at ``now``: one event each, and mark it fired."""
        outputs: list[Outgoing] = []
        changes: list[tuple[bytes, bytes]] = []
        for action, kind, due in state.pop_due(now):
            current = state.actions[action.event_id]  # may have changed earlier in this tick
            schedule = self._schedule_of(state, current)
            model: type[RecordDateReached | PaymentDateReached]
            if kind == RECORD:
                model, topic = RecordDateReached, self.topics.record_dates
                fields = self._envelope(model.__name__, current, due, now, due.isoformat())
                fields["record_date"] = schedule.record_date
            else:
                assert schedule.payment_date is not None  # else no payment timer
                model, topic = PaymentDateReached, self.topics.payment_dates
                fields = self._envelope(model.__name__, current, due, now, due.isoformat())
                fields["payment_date"] = schedule.payment_date
            fields.update(instants.as_of(due, current.mic or schedule.mic))
            outputs.append(self._emit(topic, model, fields, now, schedule))
            changes.append(state.put_action(current.mark_fired(kind, due)))
        return Outcome(None, tuple(outputs), tuple(changes))


def _unfit(schema_id: int, fit: Fit) -> Rejection:
    """A framed record whose schema the registry does not know, or that the service
    cannot read (stream/schema_registry.py)."""
    if fit is Fit.UNKNOWN:
        code = DeadLetterCode.UNKNOWN_SCHEMA_ID
        msg = f"schema id {schema_id} is not registered in the Schema Registry"
    else:
        code = DeadLetterCode.INCOMPATIBLE_SCHEMA
        msg = (
            f"schema id {schema_id} is registered, but not as a JSON Schema of a "
            "BoardResolution or DividendForecast the service can read"
        )
    return Rejection(code, msg, [{"code": code.value, "field": "(schema id)", "message": msg}])
