"""The announcement fixtures (tests/fixtures/announcements/): the text, its source, the
options a user would give, and the values read from it by hand."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "announcements"


@dataclass(frozen=True)
class Fixture:
    name: str
    text: str
    spec: dict[str, Any]

    @property
    def args(self) -> list[str]:
        return list(self.spec["args"])

    @property
    def all_args(self) -> list[str]:
        """The options, and those the command asks for when the text lacks a value."""
        return [*self.spec["args"], *self.spec.get("then_args", [])]


def fixtures() -> list[Fixture]:
    return [
        Fixture(p.stem, p.with_suffix(".txt").read_text(), json.loads(p.read_text()))
        for p in sorted(FIXTURES.glob("*.json"))
    ]


def get(message: dict[str, Any], dotted: str) -> Any:
    value: Any = message
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def same(expected: Any, actual: Any) -> bool:
    """Amounts compare by value ("1500" == "1500.00"? no: as printed, so "13.50" is not
    "13.5"); dicts field by field."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return set(expected) == set(actual) and all(same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, str) and isinstance(actual, str):
        try:
            return Decimal(expected) == Decimal(actual) and expected == actual
        except ArithmeticError:
            return expected == actual
    return bool(expected == actual)


def score(fixture: Fixture, document: dict[str, Any]) -> list[tuple[str, Any, Any, bool]]:
    """(field, expected, got, right) for every expected value of the fixture."""
    rows: list[tuple[str, Any, Any, bool]] = []
    got_r = document.get("resolutions", [])
    for i, expected in enumerate(fixture.spec["resolutions"]):
        actual = got_r[i] if i < len(got_r) else {}
        for name, value in expected.items():
            got = get(actual, name)
            rows.append((f"resolutions[{i}].{name}", value, got, same(value, got)))
    got_f = document.get("forecasts", [])
    for j, expected in enumerate(fixture.spec["forecasts"]):
        actual = got_f[j] if j < len(got_f) else {}
        for name, value in expected.items():
            got = get(actual, name)
            rows.append((f"forecasts[{j}].{name}", value, got, same(value, got)))
    if len(got_f) > len(fixture.spec["forecasts"]):
        rows.append(("forecasts (extra)", [], got_f[len(fixture.spec["forecasts"]) :], False))
    if len(got_r) > len(fixture.spec["resolutions"]):
        rows.append(("resolutions (extra)", [], got_r[len(fixture.spec["resolutions"]) :], False))
    return rows
