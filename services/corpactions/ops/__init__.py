"""Operations: consumer lag and Burrow-style verdicts for any group, metrics.

- ``burrow``: Burrow's evaluation rules, pure functions over a window of commits;
- ``window``: the commit windows per group/partition (Burrow's in-memory storage);
- ``offsets_topic``: decoding of ``__consumer_offsets`` offset-commit records;
- ``lag``: the Kafka I/O - committed and end offsets, lag in offsets and seconds;
- ``monitor``: the worker's periodic sampler; ``metrics``: the Prometheus registry;
- ``dlq``: reading and replaying dead letters;
- ``aiokafka_private``: the service's only uses of aiokafka's private API.

The `corpactions lag` and `corpactions dlq` commands are in ``corpactions.commands``.
"""
