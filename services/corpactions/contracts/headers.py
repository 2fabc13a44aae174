"""The CloudEvents attributes every output record carries as Kafka headers.

CloudEvents 1.0, Kafka protocol binding, binary content mode: the event's attributes are
``ce_*`` headers and the value is the event's JSON. `cloudevent_headers` writes them;
`HEADERS_SCHEMA` describes them in the AsyncAPI document, from the same constants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

CE_SOURCE = "urn:corpactions:dividend-service"
CE_SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
XML_CONTENT_TYPE = "application/xml"

_SPECVERSION = ("ce_specversion", CE_SPECVERSION.encode())
_SOURCE = ("ce_source", CE_SOURCE.encode())
_CONTENT_TYPE = ("content-type", CONTENT_TYPE.encode())
_XML_CONTENT_TYPE = ("content-type", XML_CONTENT_TYPE.encode())

# On every schedule event since 0.2: its ISO 20022 document is the notifier agent's to
# write (stream/notifier.py). 0.1.x wrote the document in the event's own transaction and
# no such header: the notifier writes none for those events, so an upgrade does not send
# custodians their documents a second time.
NOTIFIER_HEADER = "corpactions_iso20022"
NOTIFIER_MARK = (NOTIFIER_HEADER, b"notifier")


def notifier_marked(headers: Iterable[tuple[str, bytes | None]]) -> bool:
    """The record's headers carry NOTIFIER_MARK (however the client holds them)."""
    return any(tuple(header) == NOTIFIER_MARK for header in headers)


@lru_cache(maxsize=16)  # one emission time per batch: made once, not per event
def _ce_time(at: dt.datetime) -> tuple[str, bytes]:
    return ("ce_time", at.isoformat().encode())


def cloudevent_headers(
    event_id: str, ce_type: str, at: dt.datetime
) -> tuple[tuple[str, bytes], ...]:
    """The headers of one output record: ``event_id`` is the payload's ``id``, ``ce_type``
    its ``type``, ``at`` when it was emitted."""
    return (
        _SPECVERSION,
        ("ce_id", event_id.encode()),
        ("ce_type", ce_type.encode()),
        _SOURCE,
        _ce_time(at),
        _CONTENT_TYPE,
    )


def xml_cloudevent_headers(
    record_id: str, ce_type: str, subject: str, at: dt.datetime
) -> tuple[tuple[str, bytes], ...]:
    """The headers of an ISO 20022 document record: ``ce_type`` is its message definition
    (``seev.031.001.14``), ``subject`` the corporate action's event id (so a reader can
    route it without parsing the XML), ``record_id`` a deterministic id."""
    return (
        _SPECVERSION,
        ("ce_id", record_id.encode()),
        ("ce_type", ce_type.encode()),
        _SOURCE,
        ("ce_subject", subject.encode()),
        _ce_time(at),
        _XML_CONTENT_TYPE,
    )


HEADERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 Kafka protocol binding, binary content mode.",
    "properties": {
        "ce_specversion": {"type": "string", "const": CE_SPECVERSION},
        "ce_id": {"type": "string", "description": "Equals the payload's deterministic id."},
        "ce_type": {"type": "string", "description": "Equals the payload's type."},
        "ce_source": {"type": "string", "const": CE_SOURCE},
        "ce_time": {"type": "string", "format": "date-time"},
        "content-type": {"type": "string", "const": CONTENT_TYPE},
        NOTIFIER_HEADER: {
            "type": "string",
            "const": "notifier",
            "description": "On schedule events only: the event's ISO 20022 document is "
            "written by the notifier agent. Absent on events written before 0.2, whose "
            "document was written with the event.",
        },
    },
    "required": ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time"],
}


XML_HEADERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 Kafka protocol binding, binary content mode; the value "
    "is the ISO 20022 document.",
    "properties": {
        "ce_specversion": {"type": "string", "const": CE_SPECVERSION},
        "ce_id": {
            "type": "string",
            "description": "Deterministic: derived from the message definition, event id "
            "and version.",
        },
        "ce_type": {
            "type": "string",
            "enum": ["seev.031.001.14", "seev.039.001.12"],
            "description": "The ISO 20022 message definition of the value.",
        },
        "ce_source": {"type": "string", "const": CE_SOURCE},
        "ce_subject": {"type": "string", "description": "The corporate action's event_id."},
        "ce_time": {"type": "string", "format": "date-time"},
        "content-type": {"type": "string", "const": XML_CONTENT_TYPE},
    },
    "required": ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_subject", "ce_time"],
}
