"""Client settings that aiokafka hard-codes, set where this service needs them different.

CONCURRENT_TRANSACTIONS backoff (apache/kafka KAFKA-5477). Right after a commit the
transaction coordinator is still writing the commit markers, and the next transaction's
AddPartitionsToTxn is answered CONCURRENT_TRANSACTIONS until they are written, which on
a healthy cluster takes far less than the fixed 20 ms aiokafka waits before retrying
(``aiokafka.producer.sender.BACKOFF_OVERRIDE``): back-to-back transactions then cost at
least that wait each, and a short backoff is what lowers the service's transaction time
and produce-to-event latency (``make bench`` prints the latency). The retries are tiny
requests to the transaction coordinator. franz-go made the same value configurable
(twmb/franz-go#133); aiokafka has no option, so the module constant is set here.
"""

from __future__ import annotations

import aiokafka.producer.sender as _sender
from aiokafka import AIOKafkaConsumer

DEFAULT_TXN_BACKOFF_S = 0.0005


def set_concurrent_transactions_backoff(seconds: float = DEFAULT_TXN_BACKOFF_S) -> None:
    if not 0 < seconds <= 1:
        raise ValueError(f"backoff {seconds}s out of range (0, 1]")
    if not hasattr(_sender, "BACKOFF_OVERRIDE"):  # pragma: no cover - aiokafka changed
        raise RuntimeError("aiokafka.producer.sender.BACKOFF_OVERRIDE is gone: re-check")
    _sender.BACKOFF_OVERRIDE = seconds


def concurrent_transactions_backoff() -> float:
    return float(_sender.BACKOFF_OVERRIDE)


def rebalancing(consumer: AIOKafkaConsumer) -> bool:
    """Whether the consumer's group is between revoking and assigning partitions.

    Meanwhile aiokafka's ``getmany`` waits for the new assignment, even with
    ``timeout_ms=0`` (``Fetcher.fetched_records`` awaits
    ``SubscriptionState.wait_for_assignment``), and the assignment cannot complete before
    our ``on_partitions_revoked`` returns, which waits for the engine's lock. So code
    holding that lock (a transaction's fetch-ahead) must not call ``getmany`` then: it
    would wait for itself until the group evicts the worker. aiokafka has no public way
    to ask; written against aiokafka 0.14.0 (``SubscriptionState.reassignment_in_progress``,
    set by ``begin_reassignment`` before the revocation callback runs).
    """
    return bool(consumer._subscription.reassignment_in_progress)
