"""The announcement fixtures (tests/fixtures/announcements/): the text, its source, the
options a user would give, and the values read from it by hand."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "announcements"
# The other markets' announcements (London, Toronto, ASX, Hong Kong, Singapore, SIX,
# Euronext, Xetra), after the first ones (Tokyo tables, US prose)
MARKETS = FIXTURES / "markets"
# Held out: written with the others before the readers for their markets, and never used
# to tune them; scored separately (`python -m tests.support.announcements holdout`).
HOLDOUT = FIXTURES / "holdout"


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


def fixtures(*folders: Path) -> list[Fixture]:
    """The fixtures of `folders` (default: the first ones, then the other markets'), each
    named by its path under FIXTURES without the suffix."""
    return [
        Fixture(
            p.relative_to(FIXTURES).with_suffix("").as_posix(),
            p.with_suffix(".txt").read_text(),
            json.loads(p.read_text()),
        )
        for folder in folders or (FIXTURES, MARKETS)
        for p in sorted(folder.glob("*.json"))
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


def main(argv: list[str]) -> int:
    """Score fixtures by hand-written values: `python -m tests.support.announcements
    [holdout|all] [NAME-PREFIX...]`; one line per fixture, then the totals."""
    import contextlib
    import io

    from corpactions.cli import main as cli

    folders = (HOLDOUT,) if argv[:1] == ["holdout"] else (FIXTURES, MARKETS)
    prefixes = [a for a in argv if a not in ("holdout", "all")]
    right = total = whole = count = 0
    for fixture in fixtures(*folders):
        if prefixes and not any(fixture.name.split("/")[-1].startswith(p) for p in prefixes):
            continue
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli(["extract", str(FIXTURES / f"{fixture.name}.txt"), *fixture.all_args])
        document = json.loads(out.getvalue()) if out.getvalue().strip() else {}
        rows = score(fixture, document)
        good = sum(1 for r in rows if r[3])
        right, total, count = right + good, total + len(rows), count + 1
        whole += good == len(rows) and code == 0
        print(f"{fixture.name}: exit {code}, {good}/{len(rows)} values")
        for name, want, got, ok in rows:
            if not ok:
                print(f"    {name}: expected {want!r}, got {got!r}")
    print(f"total: {right}/{total} values right; {whole}/{count} fixtures wholly right")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
