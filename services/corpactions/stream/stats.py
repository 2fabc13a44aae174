"""What the engine committed, counted for the ops layer (`/metrics`, ops/metrics.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from corpactions.stream.agent import Outcome
from corpactions.stream.partition import Committed, Restored


@dataclass
class EngineStats:
    """Counters the ops layer exposes (processed, dead-lettered, stale, duplicates...)."""

    verdicts: Counter[str] = field(default_factory=Counter)
    dead_letter_reasons: Counter[str] = field(default_factory=Counter)
    emitted: Counter[str] = field(default_factory=Counter)
    transactions: int = 0
    aborted_transactions: int = 0
    restored_records: int = 0
    last_restore_s: float = 0.0

    def count(self, outcome: Outcome) -> None:
        if outcome.verdict is not None:
            self.verdicts[outcome.verdict.value] += 1
        if outcome.reason is not None:
            self.dead_letter_reasons[outcome.reason] += 1
        for out in outcome.outputs:
            self.emitted[out.event_type] += 1

    def committed(self, transaction: Committed) -> None:
        self.transactions += 1
        for outcome in transaction.outcomes:
            self.count(outcome)

    def aborted(self) -> None:
        self.aborted_transactions += 1

    def restored(self, restore: Restored) -> None:
        self.restored_records += restore.records
        self.last_restore_s = restore.seconds
