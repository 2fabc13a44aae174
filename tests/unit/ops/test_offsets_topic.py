"""Decoding of __consumer_offsets records, built byte by byte from Kafka's definitions.

apache/kafka group-coordinator/src/main/resources/common/message/OffsetCommitKey.json
and OffsetCommitValue.json (versions 0-4, flexible from 4).
"""

from __future__ import annotations

import struct

import pytest

from corpactions.ops.offsets_topic import (
    OffsetKey,
    OffsetsRecordError,
    OffsetValue,
    decode_key,
    decode_value,
)


def _str(s: str) -> bytes:
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def _compact_str(s: str) -> bytes:
    b = s.encode()
    assert len(b) + 1 < 128  # one-byte varint is enough here
    return bytes([len(b) + 1]) + b


@pytest.mark.parametrize("version", [0, 1])
def test_offset_commit_key_versions_0_and_1(version: int) -> None:
    key = struct.pack(">h", version) + _str("grp") + _str("orders.v1") + struct.pack(">i", 7)
    assert decode_key(key) == OffsetKey("grp", "orders.v1", 7)


@pytest.mark.parametrize("version", [2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
def test_other_record_types_are_not_offset_commits(version: int) -> None:
    # 2 = GroupMetadataKey; 3+ = KIP-848 consumer group / share group records
    assert decode_key(struct.pack(">h", version) + _str("grp")) is None


def test_value_v0_and_v2() -> None:
    body = struct.pack(">q", 42) + _str("meta") + struct.pack(">q", 1_700_000_000_123)
    for v in (0, 2):
        assert decode_value(struct.pack(">h", v) + body) == OffsetValue(
            42, 1_700_000_000_123, -1, "meta"
        )


def test_value_v1_has_an_expire_timestamp_after_the_commit_timestamp() -> None:
    raw = struct.pack(">hq", 1, 42) + _str("") + struct.pack(">qq", 1_700_000_000_000, -1)
    assert decode_value(raw) == OffsetValue(42, 1_700_000_000_000)


def test_value_v3_has_a_leader_epoch() -> None:
    raw = struct.pack(">hqi", 3, 99, 5) + _str("m") + struct.pack(">q", 123)
    assert decode_value(raw) == OffsetValue(99, 123, 5, "m")


def test_value_v4_is_flexible_compact_metadata_and_tagged_fields() -> None:
    raw = struct.pack(">hqi", 4, 99, 5) + _compact_str("m") + struct.pack(">q", 123) + b"\x00"
    assert decode_value(raw) == OffsetValue(99, 123, 5, "m")


def test_truncated_value_is_an_error_not_garbage() -> None:
    with pytest.raises(OffsetsRecordError):
        decode_value(struct.pack(">hq", 3, 99))
