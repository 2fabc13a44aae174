"""`corpactions schedule FILE` via `commands.schedule.print_schedule`, in-memory streams."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from corpactions.commands.schedule import print_schedule

from .resolutions import EXAMPLE, iij_dict


def _walk(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _walk(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _walk(v)]
    return [value]


def test_valid_example_prints_the_schedule_and_exits_0() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert print_schedule(str(EXAMPLE), out, err) == 0
    assert err.getvalue() == ""
    doc = json.loads(out.getvalue(), parse_float=lambda s: pytest_fail_float(s))
    primary = doc["primary_listing"]
    assert (primary["mic"], primary["last_cum_date"], primary["ex_date"]) == (
        "XTKS",
        "2016-09-27",
        "2016-09-28",
    )
    # The ADS on Nasdaq: US T+3 in 2016; record Fri 09-30 -> last cum Tue 09-27
    # (09-28, 09-29, 09-30), ex Wed 09-28; rate per ADS 13.50 x 0.5 = 6.75.
    (ads,) = doc["other_listings"]
    assert (ads["mic"], ads["last_cum_date"], ads["ex_date"]) == (
        "XNAS",
        "2016-09-27",
        "2016-09-28",
    )
    assert ads["gross_amount_per_unit"] == "6.75"
    assert (doc["record_date"], doc["payment_date"]) == ("2016-09-30", "2016-12-06")
    assert doc["amounts"]["total"]["amount"] == "620000001"
    assert doc["amounts"]["declared_total"]["eligible_shares_min"] == 45925926
    assert doc["amounts"]["consistency"] == "consistent"
    assert doc["validation"] == {"verdict": "valid", "warnings": []}
    assert not any(isinstance(leaf, float) for leaf in _walk(doc))
    assert out.getvalue().startswith('{\n  "contract"')  # indent 2


def pytest_fail_float(text: str) -> Any:
    raise AssertionError(f"float {text} in the schedule JSON")


def test_stdin_dash_reads_the_resolution() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert print_schedule("-", out, err, stdin=io.StringIO(EXAMPLE.read_text())) == 0
    assert json.loads(out.getvalue())["event_id"] == "JP3152820001-DVCA-FY2016-INTERIM"


def test_domain_invalid_resolution_exits_2_with_one_reason_per_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(iij_dict(payment_date="2016-09-01", currency="XXX")))
    out, err = io.StringIO(), io.StringIO()
    assert print_schedule(str(bad), out, err) == 2
    assert out.getvalue() == ""
    lines = err.getvalue().splitlines()
    # 2016-09-01 is before the record date (09-30) and the resolution (11-04).
    assert sorted(line.split(":")[0] for line in lines) == [
        "payment_before_record payment_date",
        "payment_before_resolution payment_date",
        "unknown_currency currency",
    ]


def test_schema_invalid_resolution_exits_2_with_pydantic_types() -> None:
    out, err = io.StringIO(), io.StringIO()
    data = json.dumps(iij_dict(gross_amount_per_share=13.5))
    assert print_schedule("-", out, err, stdin=io.StringIO(data)) == 2
    assert err.getvalue().startswith("money_is_float gross_amount_per_share: ")


def test_not_json_exits_2() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert print_schedule("-", out, err, stdin=io.StringIO("{nope")) == 2
    assert err.getvalue().startswith("json_invalid -: ")


def test_missing_file_exits_1(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert print_schedule(str(tmp_path / "absent.json"), out, err) == 1
    assert "unreadable" in err.getvalue()
