"""Every byte the lifecycle emits for a fixed input, held to a checked-in digest list.

A speed-up of the hot path (event, header, id or state-record construction) must not
change one byte of what the service writes: this runs a fixed sequence (IIJ's two
fiscal years with a replacement and cancellations, 400 synthetic resolutions, hostile
payloads, then every date reached) through `Lifecycle` and compares, output by output,
the SHA-256 of topic, key, value and headers, and of every state record, with
``golden/lifecycle-outputs.sha256``, written by the code before the speed-ups.

A change that is meant to change the bytes (a contract field, a market rule in
markets.toml, a calendar release) rewrites the file: ``UPDATE_GOLDEN=1 pytest
tests/unit/test_outputs_golden.py``, and the diff of the file goes in its commit.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from corpactions.contracts.topics import Topics
from corpactions.stream.intake import Source
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.state import PartitionState
from tests.bench.bench_core import synthetic
from tests.support.kafka import key_of
from tests.unit.test_encoding import ANNOUNCED, LATER, iij_sequence

GOLDEN = Path(__file__).with_name("golden") / "lifecycle-outputs.sha256"


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def lines(life: Lifecycle) -> list[str]:
    """One line per output and per state record, in the order the lifecycle made them."""
    raws = iij_sequence() + synthetic(400, seed=5) + [b"{not json", b'{"version": 1.5}', b""]
    state, out = PartitionState(), []

    def record(step: str, outcome: object) -> None:
        for o in outcome.outputs:  # type: ignore[attr-defined]
            headers = b"".join(k.encode() + b"=" + v + b";" for k, v in o.headers)
            out.append(f"{step} out {o.topic} {o.event_type} "
                       f"{_digest(o.key, o.value, headers)}")  # fmt: skip
        for key, value in outcome.changes:  # type: ignore[attr-defined]
            tombstone = value is None  # a deleted state record
            out.append(f"{step} state {_digest(key, b'' if tombstone else value)}"
                       f"{' tombstone' if tombstone else ''}")  # fmt: skip

    for offset, raw in enumerate(raws):
        source = Source("in", 0, offset, 1_478_239_200_000, key_of(raw) if raw else None)
        record(f"msg{offset}", life.on_resolution(state, raw, source, ANNOUNCED))
        record(f"tick{offset}", life.on_tick(state, ANNOUNCED))
    record("later", life.on_tick(state, LATER))
    return out


def test_the_lifecycle_writes_the_same_bytes_as_before() -> None:
    got = lines(Lifecycle(Topics(prefix="")))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text("\n".join(got) + "\n")
    expected = GOLDEN.read_text().splitlines()
    assert len(got) == len(expected)
    for n, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert g == e, f"output {n} differs"
    assert sum(" out " in line for line in got) > 1000  # it saw real traffic


def test_notifications_off_writes_the_same_bytes_less_the_iso20022_documents() -> None:
    on = lines(Lifecycle(Topics(prefix="")))
    off = lines(Lifecycle(Topics(prefix=""), notifications=False))
    notifications = Topics(prefix="").notifications
    assert off == [line for line in on if f" {notifications} " not in line]
    assert len(off) < len(on)
