"""Every mutation `make faults` runs still finds the one line it breaks (tests/faults/
mutations.py): a refactor that moves its target fails here, in `make test`, rather than
only in the long suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults import mutations


@pytest.mark.parametrize("mutation", mutations.MUTATIONS, ids=lambda m: m.name)
def test_the_mutation_applies_to_exactly_one_line_of_the_service(
    mutation: mutations.Mutation, tmp_path: Path
) -> None:
    mutations.copy_tree(tmp_path)
    changed = mutations.apply(mutation, tmp_path)
    assert "MUTATION" in changed.read_text()
    original = (mutations.ROOT / changed.relative_to(tmp_path)).read_text()
    assert changed.read_text() != original
