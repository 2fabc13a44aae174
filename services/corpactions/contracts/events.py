"""Events the service emits, and the dead-letter record for input it cannot use.

Every output event carries a deterministic ``id`` (the same input always yields the same
id; it is also the CloudEvents ``ce_id`` header), the ``event_id`` and ``version`` of the
corporate action it reflects, when it was due and when it was emitted.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Namespace for deterministic output ids (uuid5); never change it: ids are contracts.
ID_NAMESPACE = uuid.UUID("6f1c7f52-8a59-5b8e-9d43-2f0a6c1e9b10")
CE_SOURCE = "urn:corpactions:dividend-service"
CE_SPECVERSION = "1.0"


def deterministic_id(*parts: str) -> str:
    """A stable uuid5 over the parts that define an output (its input, its kind, its date)."""
    return str(uuid.uuid5(ID_NAMESPACE, "\x1f".join(parts)))


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Deterministic id of this output event; equals the ce_id header.")
    event_id: str = Field(description="The corporate action's id, stable across its updates.")
    version: int = Field(ge=1, description="The resolution version this event reflects.")
    security_key: str = Field(description="Kafka key: ISIN, else MIC:local code.")
    due_at: dt.datetime = Field(description="When this event was due (UTC).")
    emitted_at: dt.datetime = Field(description="When the service emitted it (UTC).")


class DividendScheduled(_Event):
    type: Literal["DividendScheduled"] = "DividendScheduled"
    schedule: dict[str, Any] = Field(description="The computed schedule (dividend core).")


class DeadLetterReason(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(
        description="Machine-readable reason: undecodable, schema_violation, domain_rule, ...",
        examples=["schema_violation"],
    )
    message: str = Field(description="A human summary of the first problem.")
    errors: list[dict[str, Any]] = Field(
        default_factory=list, description="Every problem found: code, field (loc), message."
    )


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
    payload_base64: str = Field(description="The original message value, byte for byte.")
    rejected_at: dt.datetime
