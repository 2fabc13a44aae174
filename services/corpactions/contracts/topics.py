"""The topics the service reads and writes: the published names and the state changelog.

Other systems produce to and subscribe to the published names: they are contracts, as
the messages are. A prefix (``CORPACTIONS_TOPIC_PREFIX``, chosen in settings) isolates
environments and test runs on a shared cluster; the names after it never change.
"""

from __future__ import annotations

from dataclasses import dataclass

RESOLUTIONS = "corporate-actions.board-resolutions.v1"
SCHEDULES = "corporate-actions.dividend-schedules.v1"
RECORD_DATES = "corporate-actions.record-dates.v1"
PAYMENT_DATES = "corporate-actions.payment-dates.v1"
DEAD_LETTERS = "corporate-actions.board-resolutions.dlq.v1"
# ISO 20022 documents (XML) for custodians: seev.031 per schedule, seev.039 per cancellation
NOTIFICATIONS = "corporate-actions.notifications.seev031.v1"
# The service's own state (compacted, partitioned like the input): not published, but
# a worker restores from it, so its name and encoding are a contract between versions.
CHANGELOG_SUFFIX = ".state-changelog.v2"


@dataclass(frozen=True)
class Topics:
    """Topic names; ``prefix`` isolates test runs and environments on a shared cluster."""

    prefix: str = ""

    @property
    def resolutions(self) -> str:
        return self.prefix + RESOLUTIONS

    @property
    def schedules(self) -> str:
        return self.prefix + SCHEDULES

    @property
    def record_dates(self) -> str:
        return self.prefix + RECORD_DATES

    @property
    def payment_dates(self) -> str:
        return self.prefix + PAYMENT_DATES

    @property
    def dead_letters(self) -> str:
        return self.prefix + DEAD_LETTERS

    @property
    def notifications(self) -> str:
        return self.prefix + NOTIFICATIONS

    def outputs(self) -> tuple[str, ...]:
        return (
            self.schedules,
            self.record_dates,
            self.payment_dates,
            self.dead_letters,
            self.notifications,
        )

    def changelog(self, app_id: str) -> str:
        """The state changelog of the service group ``app_id``."""
        return f"{self.prefix}{app_id}{CHANGELOG_SUFFIX}"
