"""Which dead letters `corpactions dlq replay` sends back (no broker: `_replayed`)."""

from __future__ import annotations

import base64
import datetime as dt

from corpactions.contracts.events import DeadLetter, DeadLetterCode, DeadLetterReason
from corpactions.ops.dlq import StoredLetter, _replayed


def _letter(code: DeadLetterCode) -> StoredLetter:
    letter = DeadLetter(
        id="x",
        reason=DeadLetterReason(code=code, message="m"),
        source_topic="in",
        source_partition=0,
        source_offset=7,
        source_key_base64=base64.b64encode(b"JP3152820001").decode(),
        payload_base64=base64.b64encode(b"{}").decode(),
        rejected_at=dt.datetime(2016, 11, 4, tzinfo=dt.UTC),
    )
    return StoredLetter(0, 3, letter)


def test_a_letter_replacing_only_a_notification_is_not_replayed() -> None:
    # its resolution was processed: sent back, its message_id would change nothing
    assert _replayed(_letter(DeadLetterCode.ISO20022_RESTRICTION), "dlq", False) == (
        "already_processed"
    )


def test_a_rejected_resolution_is_replayed_to_its_source_with_its_key() -> None:
    record = _replayed(_letter(DeadLetterCode.DOMAIN_RULE), "dlq", False)
    assert not isinstance(record, str)
    assert (record.topic, record.key, record.value) == ("in", b"JP3152820001", b"{}")
