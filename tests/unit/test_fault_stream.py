"""The fault suite's stream of later versions (tests/faults/inputs.py,
`with_later_versions`): each crosses the faults where its expectation holds."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.faults.inputs import (
    DATE_TYPES,
    arrival,
    clock_steps,
    hostile_messages,
    valid_messages,
    with_later_versions,
)


@pytest.mark.parametrize("faults", [1, 2, 5])
def test_later_versions_cross_the_faults_where_their_outcome_is_fixed(faults: int) -> None:
    firsts = valid_messages(3000, "t")
    stream = with_later_versions(firsts, hostile_messages(150, heavy=False), faults)
    n = len(stream)
    steps = clock_steps(faults)
    kinds = Counter(m.kind for m in stream)
    assert kinds["repl"] >= 20
    assert kinds["canc"] >= 10
    assert kinds["with"] >= 10
    assert kinds["repl_after_payment"] >= 10
    position = {}
    for i, m in enumerate(stream):
        if m.kind == "valid":
            position[m.event_id] = i
    for i, m in enumerate(stream):
        if m.kind in {"repl", "canc", "with"}:
            assert position[m.event_id] < i  # its first version comes first
            assert m.record_date is not None
            # pending through every fault: no date of it fires before the end
            assert arrival(m.record_date, DATE_TYPES[0]) > steps[-2]
        if m.kind in {"canc", "with"}:
            assert i < n * faults / (faults + 1)  # before the last fault's hold
        if m.kind == "repl_after_payment":
            # produced after the first hold, hence after the first clock step, which its
            # payment date precedes: it is paid when the REPL arrives
            assert i > n / (faults + 1)
            assert m.reason == "event_already_paid"
            assert m.event_id is None
