"""Every byte the lifecycle and the notifier emit for a fixed input, held to a
checked-in digest list.

A speed-up of the hot path (event, header, id or state-record construction) must not
change one byte of what the service writes: this runs a fixed sequence (IIJ's two
fiscal years with a replacement and cancellations, 400 synthetic resolutions, hostile
payloads, then every date reached) through `Lifecycle` and compares, output by output,
the SHA-256 of topic, key, value and headers, and of every state record, with
``golden/lifecycle-outputs.sha256``, written by the code before the speed-ups.

The ISO 20022 documents were written by the lifecycle, in the resolution's transaction,
when that file was made; the notifier (stream/notifier.py) writes them now, from the
schedule events. Each schedule event the lifecycle emits here goes through the notifier
at once, and its output lines take the place the document's had, after the lifecycle's
own outputs of that step and before its state lines: the file is unchanged, so the
events and the documents are the same bytes as before the split. The notifier's own
state records are not in the file (`test_the_notifiers_state_lines_are_separate`).

A change that is meant to change the bytes (a contract field, a market rule in
markets.toml, a calendar release) rewrites the file: ``UPDATE_GOLDEN=1 pytest
tests/unit/test_outputs_golden.py``, and the diff of the file goes in its commit.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from corpactions.contracts.headers import NOTIFIER_MARK
from corpactions.contracts.topics import Topics
from corpactions.stream.intake import Source
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.notifier import Notifier, NotifierState
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


def run(notifier: Notifier | None = None) -> tuple[list[str], list[str]]:
    """The output and state lines, in the order they were made (the lifecycle's outputs
    of a step, then the notifier's for that step's schedule events, then the lifecycle's
    state records); and the notifier's state lines, apart."""
    topics = Topics(prefix="")
    life = Lifecycle(topics)
    raws = iij_sequence() + synthetic(400, seed=5) + [b"{not json", b'{"version": 1.5}', b""]
    state, notified, out, notifier_state = PartitionState(), NotifierState(), [], []
    schedules = 0  # the offset of the next schedule event on the schedules topic

    def line(step: str, o: object) -> str:
        # the notifier's mark on schedule events (0.2) is held apart: the digests are those
        # of the bytes 0.1.0 wrote (test_every_schedule_event_and_no_other_carries_the_mark)
        kept = [(k, v) for k, v in o.headers if (k, v) != NOTIFIER_MARK]  # type: ignore[attr-defined]
        headers = b"".join(k.encode() + b"=" + v + b";" for k, v in kept)
        return (f"{step} out {o.topic} {o.event_type} "  # type: ignore[attr-defined]
                f"{_digest(o.key, o.value, headers)}")  # type: ignore[attr-defined]  # fmt: skip

    def record(step: str, outcome: object) -> None:
        nonlocal schedules
        for o in outcome.outputs:  # type: ignore[attr-defined]
            out.append(line(step, o))
        if notifier is not None:
            for o in outcome.outputs:  # type: ignore[attr-defined]
                if o.topic != topics.schedules:
                    continue
                source = Source(o.topic, 0, schedules, 1_478_239_200_000, o.key, o.headers)
                schedules += 1
                notice = notifier.on_record(notified, o.value, source, ANNOUNCED)
                out.extend(line(step, d) for d in notice.outputs)
                notifier_state.extend(f"{step} notifier-state {_digest(k, v)}"
                                      for k, v in notice.changes)  # fmt: skip
        for key, value in outcome.changes:  # type: ignore[attr-defined]
            tombstone = value is None  # a deleted state record
            out.append(f"{step} state {_digest(key, b'' if tombstone else value)}"
                       f"{' tombstone' if tombstone else ''}")  # fmt: skip

    for offset, raw in enumerate(raws):
        source = Source("in", 0, offset, 1_478_239_200_000, key_of(raw) if raw else None)
        record(f"msg{offset}", life.on_resolution(state, raw, source, ANNOUNCED))
        record(f"tick{offset}", life.on_tick(state, ANNOUNCED))
    record("later", life.on_tick(state, LATER))
    return out, notifier_state


def test_the_lifecycle_and_the_notifier_write_the_same_bytes_as_before() -> None:
    got, _ = run(Notifier(Topics(prefix="")))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text("\n".join(got) + "\n")
    expected = GOLDEN.read_text().splitlines()
    assert len(got) == len(expected)
    for n, (g, e) in enumerate(zip(got, expected, strict=True)):
        assert g == e, f"output {n} differs"
    assert sum(" out " in line for line in got) > 1000  # it saw real traffic
    notifications = Topics(prefix="").notifications
    assert sum(f" out {notifications} " in line for line in got) > 400  # and documents


def test_without_the_notifier_the_same_bytes_less_the_iso20022_documents() -> None:
    on, _ = run(Notifier(Topics(prefix="")))
    off, _ = run(None)
    notifications = Topics(prefix="").notifications
    assert off == [line for line in on if f" {notifications} " not in line]
    assert len(off) < len(on)


def test_the_notifiers_state_lines_are_separate() -> None:
    """One record per schedule and replacement event (last version, document written);
    none per cancellation; never a line of the golden file."""
    _, state = run(Notifier(Topics(prefix="")))
    expected = set(GOLDEN.read_text().splitlines())
    assert state
    assert not expected & set(state)
    assert all(" notifier-state " in line for line in state)


def test_every_schedule_event_and_no_other_output_carries_the_notifiers_mark() -> None:
    """The one header 0.2 adds to the lifecycle's outputs (held apart from the digests
    above): on each schedule event, whose ISO 20022 document the notifier writes."""
    topics = Topics(prefix="")
    life, state = Lifecycle(topics), PartitionState()
    outputs = []
    for offset, raw in enumerate(iij_sequence() + synthetic(60, seed=5)):
        source = Source("in", 0, offset, 1_478_239_200_000, key_of(raw))
        outputs += life.on_resolution(state, raw, source, ANNOUNCED).outputs
    outputs += life.on_tick(state, LATER).outputs
    assert {o.topic for o in outputs} >= {topics.schedules, topics.record_dates}
    for o in outputs:
        assert (NOTIFIER_MARK in o.headers) == (o.topic == topics.schedules), o.event_type


def test_a_schedule_event_of_010_gets_no_document_but_its_replacement_links_to_it() -> None:
    """0.1.x wrote each document in its event's transaction, with no mark: after an
    upgrade the notifier, reading from the start, writes none for those events (no
    custodian gets a document twice), and a later REPL still names the notification it
    replaces."""
    topics = Topics(prefix="")
    life, state = Lifecycle(topics), PartitionState()
    notifier, notified = Notifier(topics), NotifierState()
    documents = []
    for offset, raw in enumerate(iij_sequence()):
        source = Source("in", 0, offset, 1_478_239_200_000, key_of(raw))
        for o in life.on_resolution(state, raw, source, ANNOUNCED).outputs:
            if o.topic != topics.schedules:
                continue
            old = offset < 3  # the first three came from a 0.1.0 worker: no mark
            headers = [h for h in o.headers if h != NOTIFIER_MARK] if old else list(o.headers)
            read = Source(o.topic, 0, offset, None, o.key, headers)
            outcome = notifier.on_record(notified, o.value, read, ANNOUNCED)
            documents.append((old, o.event_type, outcome))
    assert len(documents) > 2
    for old, _kind, outcome in documents:
        assert (outcome.outputs == ()) == old  # nothing written for 0.1.0's events
    for old, kind, outcome in documents:
        if old and kind != "DividendCancelled":
            assert outcome.changes  # but what it would have written is remembered
    # the REPL of FY2016's interim, whose NEWM 0.1.0 notified, links to that notification
    [replaced] = [o for old, k, o in documents if not old and k == "DividendScheduleReplaced"]
    [doc] = [d for d in replaced.outputs if d.topic == topics.notifications]
    assert b"<PrvsNtfctnId>" in doc.value
