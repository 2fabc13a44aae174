"""Events the service emits, and the dead-letter record for input it cannot use.

Every output event carries a deterministic ``id`` (the same input always yields the same
id; it is also the CloudEvents ``ce_id`` header), the ``event_id`` and ``version`` of the
corporate action it reflects, when it was due, when it was emitted, and the schedule the
dividend core computed.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from enum import StrEnum
from hashlib import sha1
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_json

from corpactions.contracts.schedule import ScheduleView
from corpactions.domain import EventType

# Namespace for deterministic output ids (uuid5); never change it: ids are contracts.
ID_NAMESPACE = uuid.UUID("6f1c7f52-8a59-5b8e-9d43-2f0a6c1e9b10")


_NAMESPACE_BYTES = ID_NAMESPACE.bytes
# RFC 4122 variant: the high two bits of byte 8 are 10, so its first hex digit is 8-b
_VARIANT_DIGIT = {d: "89ab"[int(d, 16) & 0b11] for d in "0123456789abcdef"}


def deterministic_id(*parts: str) -> str:
    """A stable uuid5 over the parts that define an output (its input, its kind, its date).

    Equal to ``str(uuid.uuid5(ID_NAMESPACE, "\\x1f".join(parts)))`` (RFC 4122 section 4.3:
    SHA-1 of namespace + name, version 5, RFC variant), computed on the digest's hex text
    without building UUID objects: it runs for every emitted event (tested against
    `uuid.uuid5`).
    """
    h = sha1(_NAMESPACE_BYTES + "\x1f".join(parts).encode()).hexdigest()  # noqa: S324 - uuid5 is SHA-1
    # digit 12 is the version (5); digit 16 carries the variant bits
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT_DIGIT[h[16]]}{h[17:20]}-{h[20:32]}"


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(
        description="Deterministic id of this output event; equals the ce_id header.",
        examples=["3a187c32-014a-5005-9dac-2a25f1bd0bbe"],
    )
    event_id: str = Field(
        description="The corporate action's id, stable across its updates.",
        examples=["JP3152820001-DVCA-FY2016-INTERIM"],
    )
    version: int = Field(ge=1, description="The resolution version this event reflects.")
    security_key: str = Field(
        description="Kafka key: ISIN, else MIC:local code.", examples=["JP3152820001"]
    )
    due_at: dt.datetime = Field(
        description="When this event was due (UTC): the resolution's arrival for schedule "
        "events; for date events the instant the date is reached in the primary market's "
        "time zone (the record date's end, the payment date's start; see as_of)."
    )
    emitted_at: dt.datetime = Field(description="When the service emitted it (UTC).")


def _unset(value: Any) -> bool:
    return value is None


# Written only when set (absent, not null, otherwise): events of resolutions without
# them are the bytes they were before these fields were added.
OMITTED_WHEN_NULL: Final = frozenset({"official_reference", "cancellation"})


def _official_reference() -> Any:
    return Field(
        default=None,
        exclude_if=_unset,
        description="The resolution's official_reference (the ISO 20022 document's "
        "OffclCorpActnEvtId); absent when it gives none.",
        examples=["IIJ-2016-INT"],
    )


class DividendScheduled(_Event):
    """A new dividend's schedule, as soon as its resolution is processed."""

    type: Literal["DividendScheduled"] = "DividendScheduled"
    official_reference: str | None = _official_reference()
    schedule: ScheduleView


class DividendScheduleReplaced(_Event):
    """A newer version (REPL, or a NEWM re-sent with a higher version) replaced the schedule."""

    type: Literal["DividendScheduleReplaced"] = "DividendScheduleReplaced"
    previous_version: int = Field(ge=1, description="The version this one replaces.")
    official_reference: str | None = _official_reference()
    schedule: ScheduleView


class CancellationDetails(BaseModel):
    """A cancelling (CANC/WITH) resolution's own details, as its seev.039 reads them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    isin: str | None = Field(description="security.isin", examples=["JP3152820001"])
    local_code: str | None = Field(description="security.local_code", examples=["3774"])
    mic: str = Field(description="security.mic", examples=["XTKS"])
    event_type: EventType = Field(
        description="DVCA cash dividend, CAPD capital distribution (source_of_funds)",
        examples=["DVCA"],
    )
    record_date: dt.date = Field(description="record_date", examples=["2016-09-30"])
    payment_date: dt.date | None = Field(description="payment_date", examples=["2016-12-06"])
    subject_to_approval: bool = Field(description="subject_to_approval", examples=[False])


class DividendCancelled(_Event):
    """CANC (cancelled) or WITH (withdrawn by the issuer): pending dates will not fire."""

    type: Literal["DividendCancelled"] = "DividendCancelled"
    function: Literal["CANC", "WITH"]
    official_reference: str | None = _official_reference()
    cancellation: CancellationDetails | None = Field(
        default=None,
        exclude_if=_unset,
        description="What the cancelling resolution itself states, when the schedule "
        "does not say it: no schedule was emitted for the action, or the cancellation "
        "names another security, record date or terms than the cancelled schedule (as "
        "far as its ISO 20022 cancellation advice reads them). Absent otherwise: the "
        "schedule's are the cancellation's.",
    )
    schedule: ScheduleView | None = Field(
        description="The last schedule emitted for this action, null if none was."
    )


class _DateReached(_Event):
    as_of: dt.datetime = Field(
        description="The instant this event stands for, in UTC (equals due_at).",
        examples=["2016-09-30T14:59:59Z"],
    )
    as_of_local: str = Field(
        description="The same instant in the primary market's time zone, ISO 8601 with "
        "its UTC offset.",
        examples=["2016-09-30T23:59:59+09:00"],
    )
    time_zone: str = Field(
        description="IANA time zone of the primary market.", examples=["Asia/Tokyo"]
    )


class RecordDateReached(_DateReached):
    """The record date's settlement day has ended in the primary market's time zone:
    positions are struck, holders on the register now receive the dividend.

    Fires at CORPACTIONS_RECORD_DATE_EVENT_TIME (default 23:59:59) market-local on the
    record date: IIJ's 2016-09-30 (Tokyo) at 2016-09-30T14:59:59Z. Once per action."""

    type: Literal["RecordDateReached"] = "RecordDateReached"
    record_date: dt.date
    schedule: ScheduleView


class PaymentDateReached(_DateReached):
    """The payment date has begun in the primary market's time zone: the dividend is paid.

    Fires at CORPACTIONS_PAYMENT_DATE_EVENT_TIME (default 00:00) market-local on the
    payment date: IIJ's 2016-12-06 (Tokyo) at 2016-12-05T15:00:00Z. Never more than once
    per event_id; after it, updates and cancellations are dead-lettered
    (event_already_paid)."""

    type: Literal["PaymentDateReached"] = "PaymentDateReached"
    payment_date: dt.date
    schedule: ScheduleView


class DeadLetterCode(StrEnum):
    """Why a record was dead-lettered.

    - payload_too_large: over the size limit, rejected unread
    - undecodable: not valid JSON
    - schema_violation: JSON that breaks the board-resolution contract
    - domain_rule: breaks a dividend rule (the errors carry the rules' reason codes)
    - event_cancelled: a new version of a cancelled or withdrawn action (ISO 15022
      requires a new event)
    - event_already_paid: a REPL, a higher NEWM, a CANC or a WITH for an action whose
      payment date was reached: a paid dividend is never changed or cancelled (a
      correction is a new event)
    - record_date_already_reached: a REPL moving a record date that was reached
      (positions struck at its end: a different record date means different holders)
    - wrong_key: the record's key is not the security key, so the security's messages
      would not share a partition
    - iso20022_restriction: the resolution was processed (its JSON events were emitted)
      but its ISO 20022 notification cannot express a field (a length, pattern or
      number of digits the standard restricts): the letter replaces the notification.
      Written by the notifier, it holds the schedule event (source: the schedules
      topic's partition and offset; the message names the event's id). Replaying it
      changes nothing: publish a corrected version instead
    - unknown_schema_id: a Schema Registry frame (magic byte 0, 4-byte schema id) whose
      schema id the configured registry does not know (CORPACTIONS_SCHEMA_REGISTRY_URL)
    - incompatible_schema: a framed message whose registered schema is not a
      BoardResolution or DividendForecast the service can read (its properties are not
      the contract's, or it lacks a property the contract requires)
    """

    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNDECODABLE = "undecodable"
    SCHEMA_VIOLATION = "schema_violation"
    DOMAIN_RULE = "domain_rule"
    EVENT_CANCELLED = "event_cancelled"
    EVENT_ALREADY_PAID = "event_already_paid"
    RECORD_DATE_ALREADY_REACHED = "record_date_already_reached"
    WRONG_KEY = "wrong_key"
    ISO20022_RESTRICTION = "iso20022_restriction"
    UNKNOWN_SCHEMA_ID = "unknown_schema_id"
    INCOMPATIBLE_SCHEMA = "incompatible_schema"


class DeadLetterReason(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: DeadLetterCode = Field(
        description="Machine-readable reason (see DeadLetterCode).",
        examples=["schema_violation"],
    )
    message: str = Field(description="A human summary of the first problem.")
    errors: list[dict[str, Any]] = Field(
        default_factory=list, description="Every problem found: code, field, message."
    )


class SourceHeader(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    value_base64: str | None = Field(description="The header's bytes (null: a null value).")


class DeadLetter(BaseModel):
    """Input the service could not use, kept whole so it can be repaired and replayed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["BoardResolutionRejected"] = "BoardResolutionRejected"
    id: str = Field(description="Deterministic: derived from source topic, partition, offset.")
    reason: DeadLetterReason
    source_topic: str
    source_partition: int = Field(ge=0)
    source_offset: int = Field(ge=0)
    source_timestamp_ms: int | None = None
    source_key_base64: str | None = Field(
        default=None, description="The original record's key, byte for byte (null: no key)."
    )
    source_headers: list[SourceHeader] = Field(
        default_factory=list, description="The original record's headers, in order."
    )
    payload_base64: str = Field(description="The original message value, byte for byte.")
    payload_truncated: bool = Field(
        default=False, description="True when only the first bytes of a huge payload are kept."
    )
    rejected_at: dt.datetime


@functools.cache
def _layout(model: type[_Event]) -> tuple[tuple[str, ...], str]:
    """The model's fields before ``schedule``, in order, and its ``type``."""
    names = tuple(model.model_fields)
    assert names[-1] == "schedule", f"{model.__name__}: schedule must be the last field"
    return names[:-1], model.model_fields["type"].default


def event_type(model: type[_Event]) -> str:
    """The model's ``type`` (its CloudEvents ``ce_type``), without pydantic's
    ``model_fields`` lookup on every event."""
    return _layout(model)[1]


def event_json(model: type[_Event], fields: Mapping[str, Any], schedule: bytes | None) -> bytes:
    """What ``model(**fields, schedule=...).model_dump_json()`` writes, byte for byte.

    ``fields`` are written in the model's field order with its ``type`` by
    pydantic-core's serializer (as `model_dump_json` would), and the schedule's JSON,
    made once per version (see `schedule_json`), is spliced in as the last field. The
    service's hot path: no model is built (tested against pydantic).
    """
    names, kind = _layout(model)
    envelope = to_json(
        {
            name: kind if name == "type" else fields[name]
            for name in names
            if name not in OMITTED_WHEN_NULL or fields.get(name) is not None
        }
    )
    return envelope[:-1] + b',"schedule":' + (b"null" if schedule is None else schedule) + b"}"
