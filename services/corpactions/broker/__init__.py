"""The local Apache Kafka: fetch jars from Maven Central, format KRaft storage, start, stop."""

from corpactions.broker.local import (
    BrokerError,
    KafkaDistribution,
    LocalKafka,
    MissingToolError,
    probe_metadata,
    wait_until_ready,
)

__all__ = [
    "BrokerError",
    "KafkaDistribution",
    "LocalKafka",
    "MissingToolError",
    "probe_metadata",
    "wait_until_ready",
]
