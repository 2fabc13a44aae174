"""Client settings that aiokafka hard-codes, set where this service needs them different.

CONCURRENT_TRANSACTIONS backoff (apache/kafka KAFKA-5477). Right after a commit the
transaction coordinator is still writing the commit markers, and the next transaction's
AddPartitionsToTxn is answered CONCURRENT_TRANSACTIONS until they are written (about a
millisecond on a healthy cluster). aiokafka waits a fixed 20 ms
(``aiokafka.producer.sender.BACKOFF_OVERRIDE``) before retrying, so back-to-back
transactions cost at least ~25 ms each: measured here, one-record transactions took 26 ms
(p50) with 20 ms and 5 ms with 2 ms. With the offsets kept in the changelog (no
TxnOffsetCommit), 1,500 back-to-back transactions on a warm local broker took p50 1.9 ms,
p99 10.1 ms with 2 ms and p50 1.6 ms, p99 8.1 ms with 0.5 ms; produce-to-event latency
at 500/s, p90 13.4-13.6 ms -> 11.5-11.6 ms. The retries are tiny requests to the
transaction coordinator. franz-go made the same value configurable (twmb/franz-go#133);
aiokafka has no option, so the module constant is set here.
"""

from __future__ import annotations

import aiokafka.producer.sender as _sender

DEFAULT_TXN_BACKOFF_S = 0.0005


def set_concurrent_transactions_backoff(seconds: float = DEFAULT_TXN_BACKOFF_S) -> None:
    if not 0 < seconds <= 1:
        raise ValueError(f"backoff {seconds}s out of range (0, 1]")
    if not hasattr(_sender, "BACKOFF_OVERRIDE"):  # pragma: no cover - aiokafka changed
        raise RuntimeError("aiokafka.producer.sender.BACKOFF_OVERRIDE is gone: re-check")
    _sender.BACKOFF_OVERRIDE = seconds


def concurrent_transactions_backoff() -> float:
    return float(_sender.BACKOFF_OVERRIDE)
