"""`corpactions schedule --jsonl FILE`: one result line per resolution line, invalid
lines reported and skipped past, exit 0 / 2 / 1."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from corpactions.cli import main
from corpactions.commands.schedule import print_schedules
from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.schedule import compute_schedule

from .resolutions import iij_dict


def _line(doc: dict[str, Any]) -> str:
    return json.dumps(doc)


def _expected_schedule(doc: dict[str, Any]) -> Any:
    """What `corpactions schedule FILE` prints for the same resolution, as data."""
    resolution = BoardResolution.model_validate_json(json.dumps(doc))
    return json.loads(compute_schedule(resolution).model_dump_json())


def _run(text: str) -> tuple[int, list[dict[str, Any]], str]:
    out, err = io.StringIO(), io.StringIO()
    code = print_schedules("-", out, err, stdin=io.StringIO(text))
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_every_line_valid_is_one_schedule_line_each_in_order_and_exit_0() -> None:
    docs = [iij_dict(), iij_dict(event_id="JP3152820001-DVCA-FY2016-B", message_id="b")]
    code, results, err = _run("".join(_line(d) + "\n" for d in docs))
    assert (code, err) == (0, "")
    assert [r["line"] for r in results] == [1, 2]
    assert all(r["ok"] is True and set(r) == {"line", "ok", "schedule"} for r in results)
    assert [r["schedule"] for r in results] == [_expected_schedule(d) for d in docs]


def test_invalid_lines_are_reported_one_each_and_the_batch_goes_on_then_exit_2() -> None:
    lines = [
        _line(iij_dict()),
        "",  # blank: skipped, no result
        "not json",
        _line({"message_id": "only"}),
        _line(iij_dict(payment_date="2016-01-01")),
        _line(iij_dict(message_id="last")),
    ]
    code, results, err = _run("\n".join(lines))  # no newline after the last line
    assert code == 2
    assert err == ""
    assert [(r["line"], r["ok"]) for r in results] == [
        (1, True),
        (3, False),
        (4, False),
        (5, False),
        (6, True),
    ]
    by_line = {r["line"]: r for r in results}
    assert by_line[3]["errors"][0]["code"] == "json_invalid"
    assert by_line[3]["errors"][0]["field"] == "-"
    assert {"code": "missing", "field": "event_id", "message": "Field required"} in by_line[4][
        "errors"
    ]
    assert [e["code"] for e in by_line[5]["errors"]] == [
        "payment_before_record",
        "payment_before_resolution",
    ]
    assert by_line[5]["errors"][0]["field"] == "payment_date"
    assert by_line[6]["schedule"]["message_id"] == "last"


def test_the_schedule_lines_are_what_the_service_publishes_byte_for_byte() -> None:
    doc = iij_dict()
    out = io.StringIO()
    assert print_schedules("-", out, io.StringIO(), stdin=io.StringIO(_line(doc))) == 0
    resolution = BoardResolution.model_validate_json(json.dumps(doc))
    body = compute_schedule(resolution).model_dump_json()
    assert out.getvalue() == '{"line":1,"ok":true,"schedule":' + body + "}\n"


def test_a_file_is_read_and_a_missing_one_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(_line(iij_dict()) + "\n")
    out, err = io.StringIO(), io.StringIO()
    assert print_schedules(str(path), out, err) == 0
    assert json.loads(out.getvalue())["ok"] is True
    out, err = io.StringIO(), io.StringIO()
    assert print_schedules(str(tmp_path / "missing.jsonl"), out, err) == 1
    assert out.getvalue() == ""
    assert err.getvalue().startswith("unreadable ")


@pytest.mark.parametrize("extra", [["--history", "h.json"], ["--format", "seev031"]])
def test_jsonl_with_a_one_resolution_option_is_a_usage_error(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schedule", "--jsonl", "-", *extra]) == 2
    assert "--jsonl" in capsys.readouterr().err
