"""The aiokafka override is applied, bounded, and still finds its target."""

from __future__ import annotations

import aiokafka.producer.sender as sender
import pytest

from corpactions.stream.kafka_tuning import (
    concurrent_transactions_backoff,
    set_concurrent_transactions_backoff,
)


def test_backoff_override_reaches_aiokafkas_sender() -> None:
    before = sender.BACKOFF_OVERRIDE
    try:
        set_concurrent_transactions_backoff(0.002)
        assert sender.BACKOFF_OVERRIDE == 0.002
        assert concurrent_transactions_backoff() == 0.002
    finally:
        sender.BACKOFF_OVERRIDE = before


@pytest.mark.parametrize("bad", [0, -1, 5])
def test_backoff_out_of_range_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="out of range"):
        set_concurrent_transactions_backoff(bad)
