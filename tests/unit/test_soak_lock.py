"""`make soak` runs the service from requirements-soak.lock: the runtime lock's pins plus
matplotlib for its plot, so what it measures is the service users run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pins(path: Path) -> dict[str, str]:
    found = re.findall(r"^([A-Za-z0-9_.-]+)==([^ \\\n]+)", path.read_text(), re.M)
    return {name.lower(): version for name, version in found}


def test_the_soak_lock_is_the_runtime_lock_plus_matplotlib() -> None:
    runtime, soak = pins(ROOT / "requirements-runtime.lock"), pins(ROOT / "requirements-soak.lock")
    assert {n: v for n, v in runtime.items() if soak.get(n) != v} == {}
    assert "matplotlib" in soak
    assert not {"pytest", "mypy", "ruff", "hypothesis"} & set(soak)
