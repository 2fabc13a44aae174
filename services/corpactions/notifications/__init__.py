"""ISO 20022 notifications of the dividend schedule, for custodians and CSDs.

`DividendScheduled` -> seev.031 NEWM, `DividendScheduleReplaced` -> seev.031 REPL
(linked to the notification it replaces), `DividendCancelled` -> seev.039. Built from
the classes generated from the standard's XSDs (`generated`), checked against their
restrictions and written by `writer` (xsdata's output, faster); see `seev`.
"""

from __future__ import annotations

from corpactions.contracts.board_resolution import BoardResolution
from corpactions.notifications.seev import (
    SEEV031_FIELDS,
    SEEV039_FIELDS,
    Document,
    Inexpressible,
    cancellation_advice,
    notification,
    notification_id,
    problems,
)


def replaced_version(previous_resolution: str, previous_version: int) -> int | None:
    """The version a REPL links to: the previous one, if its notification was sent (the
    standard could express it); else None, and the replacement goes out as NEWM, since
    custodians never received the version it replaces."""
    resolution = BoardResolution.model_validate_json(previous_resolution)
    return None if problems(resolution) else previous_version


__all__ = [
    "SEEV031_FIELDS",
    "SEEV039_FIELDS",
    "Document",
    "Inexpressible",
    "cancellation_advice",
    "notification",
    "notification_id",
    "problems",
    "replaced_version",
]
