"""Events go to the partition Kafka's default partitioner would choose for their key."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner
from hypothesis import given
from hypothesis import strategies as st

from corpactions.stream.partition import partition_for


@given(st.binary(min_size=1, max_size=64), st.integers(min_value=1, max_value=64))
def test_partition_for_matches_the_producers_default_partitioner(key: bytes, n: int) -> None:
    partitions = list(range(n))
    assert partition_for(key, partitions) == DefaultPartitioner()(key, partitions, partitions)


def test_partition_for_matches_the_java_clients_murmur2() -> None:
    # Apache Kafka's UtilsTest.testMurmur2: murmur2("21") = -973932308, murmur2("foobar") =
    # -790332482, murmur2("a-little-bit-long-string") = -985981536. The Java partitioner
    # takes toPositive(h) = h & 0x7fffffff, by hand: 1173551340, 1357151166, 1161502112.
    partitions = list(range(7))
    assert partition_for(b"21", partitions) == 1173551340 % 7
    assert partition_for(b"foobar", partitions) == 1357151166 % 7
    assert partition_for(b"a-little-bit-long-string", partitions) == 1161502112 % 7
