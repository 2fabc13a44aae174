"""Generate ``schemas/`` from the pydantic models: JSON Schema 2020-12 per message and an
AsyncAPI 3.0 document for the topics. ``--check`` fails when the checked-in files drift.

    python -m corpactions.contracts.generate [--check] [DIR]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from corpactions import __version__
from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.events import (
    DeadLetter,
    DividendCancelled,
    DividendScheduled,
    DividendScheduleReplaced,
    PaymentDateReached,
    RecordDateReached,
)
from corpactions.contracts.forecast import DividendForecast
from corpactions.contracts.headers import HEADERS_SCHEMA, XML_HEADERS_SCHEMA
from corpactions.contracts.schedule import ScheduleView
from corpactions.contracts.topics import (
    DEAD_LETTERS,
    NOTIFICATIONS,
    PAYMENT_DATES,
    RECORD_DATES,
    RESOLUTIONS,
    SCHEDULES,
)
from corpactions.notifications import SEEV031_FIELDS, SEEV039_FIELDS

DRAFT = "https://json-schema.org/draft/2020-12/schema"
# What other systems publish: schemas of what the service accepts (validation mode), no
# CloudEvents headers.
_INBOUND: frozenset[type[BaseModel]] = frozenset({BoardResolution, DividendForecast})
BASE_ID = "urn:corpactions:schemas:"

# (channel id, topic, direction, messages, description)
CHANNELS: tuple[tuple[str, str, str, tuple[type[BaseModel], ...], str], ...] = (
    (
        "boardResolutions",
        RESOLUTIONS,
        "receive",
        (BoardResolution, DividendForecast),
        "Board resolutions of cash dividends and the issuers' dividend forecasts "
        '(`"message_type": "dividend_forecast"`), published by other systems. Money is a '
        'decimal string ("gross_amount_per_share": "13.50", "shares_per_unit": "0.5") or a '
        "JSON integer (1500), never a JSON float (13.5, 620.0, 1e2): at most 13 decimals "
        "and 18 digits, no exponent, '+', spaces or separators. The payload schema states "
        "every check the service makes on a message except those its description lists "
        "as the service's own.",
    ),
    (
        "dividendSchedules",
        SCHEDULES,
        "send",
        (DividendScheduled, DividendScheduleReplaced, DividendCancelled),
        "A schedule as soon as a resolution (or its update) is processed.",
    ),
    (
        "recordDates",
        RECORD_DATES,
        "send",
        (RecordDateReached,),
        "RecordDateReached: when the record date's settlement day has ended in the primary "
        "market's time zone (positions are struck at its end): CORPACTIONS_RECORD_DATE_"
        "EVENT_TIME, default 23:59:59 local on the record date. IIJ's record date "
        "2016-09-30 (XTKS, UTC+9): 2016-09-30T14:59:59Z. Once per action; as_of, "
        "as_of_local and time_zone say which instant the event stands for.",
    ),
    (
        "paymentDates",
        PAYMENT_DATES,
        "send",
        (PaymentDateReached,),
        "PaymentDateReached: when the payment date has begun in the primary market's time "
        "zone: CORPACTIONS_PAYMENT_DATE_EVENT_TIME, default 00:00 local on the payment "
        "date. IIJ's payment date 2016-12-06 (XTKS): 2016-12-05T15:00:00Z. Never more than "
        "once per event_id, whatever arrives, in any order, across restarts and "
        "rebalances.",
    ),
    (
        "deadLetters",
        DEAD_LETTERS,
        "send",
        (DeadLetter,),
        "Input the service could not use, with a machine-readable reason.",
    ),
)

# The ISO 20022 documents (XML, not pydantic models): (message name, definition, summary,
# the element <- contract field mapping).
NOTIFICATIONS_CHANNEL = (
    "notifications",
    NOTIFICATIONS,
    "ISO 20022 documents for custodians and CSDs, written in the same transaction as the "
    "schedule events: seev.031.001.14 for each DividendScheduled (NEWM) and "
    "DividendScheduleReplaced (REPL), seev.039.001.12 for each DividendCancelled. A "
    "resolution the standard cannot express gets a dead letter (iso20022_restriction) "
    "instead of its document.",
)


def _xml_messages() -> tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...]:

    return (
        (
            "CorporateActionNotification",
            "seev.031.001.14",
            "seev.031 CorporateActionNotification of a mandatory cash dividend: NEWM for "
            "DividendScheduled, REPL (PrvsNtfctnId = the replaced notification) for "
            "DividendScheduleReplaced.",
            SEEV031_FIELDS,
        ),
        (
            "CorporateActionCancellationAdvice",
            "seev.039.001.12",
            "seev.039 CorporateActionCancellationAdvice for DividendCancelled: reason WITH "
            "(withdrawn by the issuer) or PROC (cancelled, CANC).",
            SEEV039_FIELDS,
        ),
    )


MODELS: tuple[type[BaseModel], ...] = (
    *(m for _, _, _, messages, _ in CHANNELS for m in messages),
    ScheduleView,
)


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    mode: Literal["validation", "serialization"] = (
        "validation" if model in _INBOUND else "serialization"
    )
    schema = model.model_json_schema(mode=mode)
    return {"$schema": DRAFT, "$id": f"{BASE_ID}{model.__name__}", **schema}


def asyncapi() -> dict[str, Any]:
    _, defs = models_json_schema(
        [(m, "validation" if m in _INBOUND else "serialization") for m in MODELS],
        ref_template="#/components/schemas/{model}",
    )
    schemas = dict(sorted(defs.get("$defs", {}).items()))
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for channel_id, topic, action, models, description in CHANNELS:
        refs = {}
        for m in models:
            name = m.__name__
            message: dict[str, Any] = {
                "name": name,
                "title": name,
                "summary": (m.__doc__ or name).strip().splitlines()[0],
                "contentType": "application/json",
                "payload": {"$ref": f"#/components/schemas/{name}"},
                "bindings": {
                    "kafka": {
                        "key": {
                            "type": "string",
                            "description": "The security: ISIN, else MIC:local code "
                            "(dead letters: source topic:partition).",
                        },
                        "bindingVersion": "0.5.0",
                    }
                },
            }
            if m not in _INBOUND:
                message["headers"] = HEADERS_SCHEMA
            messages[name] = message
            refs[name] = {"$ref": f"#/components/messages/{name}"}
        channels[channel_id] = {
            "address": topic,
            "description": description,
            "messages": refs,
        }
        verb = "consume" if action == "receive" else "publish"
        operations[f"{verb}{channel_id[0].upper()}{channel_id[1:]}"] = {
            "action": action,
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{n}"} for n in refs],
        }
    channel_id, topic, description = NOTIFICATIONS_CHANNEL
    refs = {}
    for name, definition, summary, fields in _xml_messages():
        messages[name] = {
            "name": name,
            "title": f"{definition} {name}",
            "summary": summary,
            "contentType": "application/xml",
            "payload": {
                "type": "string",
                "contentMediaType": "application/xml",
                "description": f"An ISO 20022 {definition} Document (namespace "
                f"urn:iso:std:iso:20022:tech:xsd:{definition}), UTF-8.",
            },
            "headers": XML_HEADERS_SCHEMA,
            "bindings": {
                "kafka": {
                    "key": {
                        "type": "string",
                        "description": "The security: ISIN, else MIC:local code.",
                    },
                    "bindingVersion": "0.5.0",
                }
            },
            "x-iso20022-mapping": [{"element": e, "source": f} for e, f in fields],
        }
        refs[name] = {"$ref": f"#/components/messages/{name}"}
    channels[channel_id] = {"address": topic, "description": description, "messages": refs}
    operations["publishNotifications"] = {
        "action": "send",
        "channel": {"$ref": f"#/channels/{channel_id}"},
        "messages": [{"$ref": f"#/channels/{channel_id}/messages/{n}"} for n in refs],
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "corpactions: board-resolved cash dividends",
            "version": __version__,
            "description": "Board resolutions in; dividend schedules, record-date and "
            "payment-date events, ISO 20022 notifications (seev.031/seev.039) and dead "
            "letters out. Keys keep one security's events "
            "in order; outputs are written in Kafka transactions (read them with "
            "isolation.level=read_committed).\n\n"
            'Money is a decimal string, e.g. "gross_amount_per_share": "13.50" (a JSON '
            "integer, 1500, is accepted in input too; a JSON float never is). Outputs write "
            'money the same way ("620000001", "6.75").\n\n'
            "Lifecycle (ISO 15022 NEWM/REPL/CANC/WITH): before the record date is reached a "
            "REPL may change anything. After it (positions struck at its end) and before "
            "payment, a REPL may change the rate, so the amounts, the payment date and "
            "other details, but not the record date: one that moves it is dead-lettered "
            "(record_date_already_reached), since a different record date means different "
            "holders (cancel and announce a new event); CANC/WITH still cancel. Once the "
            "payment date is reached (PaymentDateReached emitted, or its instant passed by "
            "the service's clock) the dividend is paid: any REPL, higher NEWM, CANC or WITH "
            "for it is dead-lettered (event_already_paid) and changes nothing; a correction "
            "is a new event.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "`corpactions broker start` (port varies; see its output)",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render(directory: Path) -> dict[Path, str]:
    files = {
        directory / f"{m.__name__}.schema.json": json.dumps(json_schema(m), indent=2) + "\n"
        for m in MODELS
    }
    files[directory / "asyncapi.json"] = json.dumps(asyncapi(), indent=2) + "\n"
    return files


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    rest = [a for a in args if a != "--check"]
    directory = Path(rest[0]) if rest else Path("schemas")
    drift = []
    for path, text in render(directory).items():
        if check:
            if not path.exists() or path.read_text() != text:
                drift.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if drift:
        print("schemas drifted from the models; run `make schemas`:", *drift, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
