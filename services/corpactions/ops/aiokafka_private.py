"""Every use of aiokafka's private API in the service, in one place.

Written against aiokafka 0.14.0 (``requirements.lock``; ``pyproject.toml`` allows
``>=0.14``): ``AIOKafkaConsumer._client`` is the consumer's ``AIOKafkaClient``. The
consumer has no public way to refresh metadata on demand, nor to read the metadata of
every topic (``partitions_for_topic`` answers from the metadata it already holds, which
covers only the topics it tracks). Check these two functions when upgrading aiokafka.
"""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer


async def cluster_metadata(consumer: AIOKafkaConsumer) -> Any:
    """A fresh ``ClusterMetadata`` of every topic, fetched now through ``consumer``."""
    return await consumer._client.fetch_all_metadata()


async def partitions_of(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    """The partitions of ``topic``, refreshing the consumer's metadata once if it does
    not know the topic yet (one just created); empty when the topic does not exist."""
    parts = consumer.partitions_for_topic(topic)
    if not parts:
        await consumer._client.force_metadata_update()
        parts = consumer.partitions_for_topic(topic)
    return set(parts or ())


async def open_and_close(host: str, port: int, timeout_s: float, **client_options: Any) -> None:
    """Connect to one broker as a client would (TLS handshake, SASL login) and close.

    ``aiokafka.conn.create_conn`` (aiokafka 0.14.0): the clients' bootstrap reports only
    "Unable to bootstrap" whatever went wrong; one connection made by hand raises the
    cause itself (refused, TLS, ``SaslAuthenticationFailed``), so start-up can say which.
    """
    from aiokafka.conn import create_conn

    conn = await create_conn(
        host,
        port,
        request_timeout_ms=int(timeout_s * 1000),
        **{k: v for k, v in client_options.items() if k.startswith(("sasl_", "ssl_", "security_"))},
    )
    conn.close()


async def coordinator_ready(consumer: AIOKafkaConsumer, kind: int, key: str) -> bool:
    """Whether the cluster names a coordinator for ``key`` now: ``kind`` 0 a consumer
    group, 1 a transactional id (FindCoordinator, ``AIOKafkaClient.coordinator_lookup``).
    On a broker just started the first lookup also creates ``__consumer_offsets`` or
    ``__transaction_state``, and the answer is COORDINATOR_NOT_AVAILABLE until their
    partitions have leaders."""
    from aiokafka.errors import KafkaError

    try:
        await consumer._client.coordinator_lookup(kind, key)
    except KafkaError:
        return False
    return True
