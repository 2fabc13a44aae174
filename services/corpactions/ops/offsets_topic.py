"""Decode offset-commit records of Kafka's internal ``__consumer_offsets`` topic.

Every OffsetCommit (and every transactional TxnOffsetCommit, once its transaction
commits) is appended to ``__consumer_offsets``, so the topic holds each group's commit
history: the windows Burrow judges are built from it. Layouts follow Apache Kafka's own
message definitions (apache/kafka, ``group-coordinator/src/main/resources/common/
message/``):

- key: int16 record type/version. ``OffsetCommitKey.json`` ("apiKey": 1, versions 0
  and 1 are both offset commits): group string, topic string, partition int32 (not
  flexible). Type 2 is ``GroupMetadataKey`` (group membership); higher types are the
  KIP-848 consumer-group and share-group records: none are offset commits, all skipped.
- value (``OffsetCommitValue.json``, versions 0-4, flexible from 4):
  v0: offset int64, metadata string, commitTimestamp int64
  v1: as v0 + expireTimestamp int64
  v2: as v0
  v3: offset int64, leaderEpoch int32, metadata string, commitTimestamp int64
  v4: as v3 with metadata as a compact string and tagged fields after (Kafka 4.x may
      write it). The file says "KIP-915: bumping the version will no longer make this
      record backward compatible ... add/remove only tagged fields", so a version above
      4 is read with the v4 layout (tagged fields are ignored).
- a null value is a tombstone: the group's offset for that partition was deleted
  (offsets expired, group or topic deleted).

Pure: bytes in, values out.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

OFFSETS_TOPIC = "__consumer_offsets"


class OffsetsRecordError(ValueError):
    """A ``__consumer_offsets`` record that does not match Kafka's definitions."""


@dataclass(frozen=True)
class OffsetKey:
    group: str
    topic: str
    partition: int


@dataclass(frozen=True)
class OffsetValue:
    offset: int
    commit_timestamp_ms: int
    leader_epoch: int = -1
    metadata: str = ""


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise OffsetsRecordError(f"record truncated at byte {self.pos} (wanted {n})")
        out = self.data[self.pos : end]
        self.pos = end
        return out

    def int16(self) -> int:
        return int(struct.unpack(">h", self.take(2))[0])

    def int32(self) -> int:
        return int(struct.unpack(">i", self.take(4))[0])

    def int64(self) -> int:
        return int(struct.unpack(">q", self.take(8))[0])

    def uvarint(self) -> int:
        shift = 0
        value = 0
        while True:
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
            if shift > 35:
                raise OffsetsRecordError("unsigned varint longer than 5 bytes")

    def string(self) -> str:
        n = self.int16()
        return "" if n < 0 else self.take(n).decode("utf-8")

    def compact_string(self) -> str:
        n = self.uvarint() - 1  # compact encoding: length + 1, 0 = null
        return "" if n < 0 else self.take(n).decode("utf-8")


def decode_key(key: bytes) -> OffsetKey | None:
    """The group/topic/partition of an offset-commit key; None for other record types."""
    r = _Reader(key)
    version = r.int16()
    if version not in (0, 1):
        return None  # 2 = GroupMetadataKey; 3+ = consumer/share group records (KIP-848)
    return OffsetKey(group=r.string(), topic=r.string(), partition=r.int32())


def decode_value(value: bytes) -> OffsetValue:
    """An ``OffsetCommitValue`` of any version Kafka 4.1 reads (see module docstring)."""
    r = _Reader(value)
    version = r.int16()
    if version < 0:
        raise OffsetsRecordError(f"OffsetCommitValue version {version}")
    offset = r.int64()
    epoch = r.int32() if version >= 3 else -1
    metadata = r.compact_string() if version >= 4 else r.string()
    commit_ts = r.int64()
    return OffsetValue(offset, commit_ts, epoch, metadata)
