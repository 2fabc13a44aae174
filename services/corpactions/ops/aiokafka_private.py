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
