"""`corpactions extract` on real announcements (tests/fixtures/announcements/).

Each fixture's expected values were read by hand from its text (the .json beside it,
with the source address); none was produced by the extractor. A field the text does not
state is not scored: it must be listed in the review instead.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from corpactions.broker.local import free_port
from corpactions.cli import main
from corpactions.contracts.board_resolution import BoardResolution
from tests.support.announcements import FIXTURES, Fixture, fixtures, score

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
EXAMPLE = SCHEMAS / "examples" / "board-resolution.iij-fy2016-interim.json"
SEED = FIXTURES / "iij-2016-11-04-interim.txt"
SEED_ARGS = ["--isin", "JP3152820001", "--other-listing", "XNAS:IIJI:0.5"]
ALL = fixtures()


def run(
    capsys: pytest.CaptureFixture[str], path: Path | str, *args: str
) -> tuple[int, dict[str, Any], str]:
    code = main(["extract", str(path), *args])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else {}, err


def run_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, *args: str
) -> tuple[int, dict[str, Any], str]:
    path = tmp_path / "announcement.txt"
    path.write_text(text)
    return run(capsys, path, *args)


def test_the_fixtures_are_at_least_12_real_announcements_of_at_least_6_issuers() -> None:
    assert len(ALL) >= 12
    assert len({f.spec["issuer"].split(" (")[0] for f in ALL}) >= 6
    assert all(f.spec["source"].startswith("https://") for f in ALL)


@pytest.mark.parametrize("fixture", ALL, ids=lambda f: f.name)
def test_every_value_written_by_hand_is_read(
    fixture: Fixture, capsys: pytest.CaptureFixture[str]
) -> None:
    path = FIXTURES / f"{fixture.name}.txt"
    if "asks_for" in fixture.spec:  # the text lacks it: exit 1 naming the option
        code, _, err = run(capsys, path, *fixture.args)
        assert code == 1
        assert fixture.spec["asks_for"] in err
    code, document, err = run(capsys, path, *fixture.args, *fixture.spec.get("then_args", []))
    assert code == 0, err
    misses = [(f, want, got) for f, want, got, right in score(fixture, document) if not right]
    assert misses == []


@pytest.mark.parametrize("fixture", ALL, ids=lambda f: f.name)
def test_what_the_text_does_not_state_is_in_the_review(
    fixture: Fixture, capsys: pytest.CaptureFixture[str]
) -> None:
    _, document, _ = run(capsys, FIXTURES / f"{fixture.name}.txt", *fixture.all_args)
    reviewed = {item["field"] for item in document["review"]}
    for i in range(len(fixture.spec["resolutions"])):
        for name in fixture.spec["must_review"]:
            assert f"resolutions[{i}].{name}" in reviewed


@pytest.mark.parametrize("fixture", ALL, ids=lambda f: f.name)
def test_every_message_is_valid_against_the_published_schema(
    fixture: Fixture, capsys: pytest.CaptureFixture[str]
) -> None:
    _, document, _ = run(capsys, FIXTURES / f"{fixture.name}.txt", *fixture.all_args)
    for kind, messages in (
        ("BoardResolution", document["resolutions"]),
        ("DividendForecast", document["forecasts"]),
    ):
        schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
        validator = Draft202012Validator(schema, format_checker=FormatChecker())
        for message in messages:
            assert list(validator.iter_errors(message)) == []


def test_the_seed_yields_the_published_example_and_the_year_end_forecast(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, document, _ = run(capsys, SEED, *SEED_ARGS)
    assert code == 0
    [got] = document["resolutions"]
    example = BoardResolution.model_validate_json(EXAMPLE.read_text())
    ids = {"message_id": got["message_id"], "event_id": got["event_id"], "eligible_shares": None}
    assert BoardResolution.model_validate(got) == example.model_copy(update=ids)
    [forecast] = document["forecasts"]
    assert (forecast["fiscal_year_end"], forecast["currency"], forecast["dividends"]) == (
        "2017-03-31",
        "JPY",
        [{"dividend_type": "year_end", "amount_per_share": "13.50"}],
    )


def _table_lines(text: str) -> tuple[str, list[str], str]:
    head, rest = text.split("1. Dividend\n", 1)
    table, tail = rest.split("2. Reason\n", 1)
    return head + "1. Dividend\n", table.strip("\n").split("\n"), "\n2. Reason\n" + tail


@pytest.mark.parametrize(
    "layout",
    [
        "cells on separate lines",
        "separated by | on one line",
        "run together on one line",
        "glued without spaces",
    ],
)
def test_a_flattened_table_reads_as_the_original(
    layout: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    head, lines, tail = _table_lines(SEED.read_text())
    cells = [line.lstrip("|") for line in lines]
    table = {
        "cells on separate lines": "\n".join(cells),
        "separated by | on one line": " | ".join(cells),
        "run together on one line": " ".join(cells),
        "glued without spaces": "".join(cells),
    }[layout]
    _, original, _ = run(capsys, SEED, *SEED_ARGS)
    code, flattened, err = run_text(capsys, tmp_path, head + table + tail, *SEED_ARGS)
    assert code == 0, err

    def without_ids(doc: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in m.items() if k not in ("message_id", "event_id")}
            for m in doc["resolutions"] + doc["forecasts"]
        ]

    assert without_ids(flattened) == without_ids(original)


def test_a_value_printed_twice_that_disagrees_is_a_conflict_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = SEED.read_text().replace("decided to pay JPY13.50", "decided to pay JPY14.00")
    code, document, err = run_text(capsys, tmp_path, text, *SEED_ARGS)
    assert code == 1
    assert [i["kind"] for i in document["review"] if i["kind"] == "conflict"] == ["conflict"]
    assert "gross_amount_per_share" in err
    assert "13.50, 14.00" in err


def test_a_record_date_in_the_lead_that_disagrees_with_the_table_is_a_conflict(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = SEED.read_text().replace(
        "record date of September 30, 2016", "record date of October 31, 2016"
    )
    code, document, _ = run_text(capsys, tmp_path, text, *SEED_ARGS)
    assert code == 1
    assert any(
        i["field"].endswith("record_date") and i["kind"] == "conflict" for i in document["review"]
    )


@pytest.mark.parametrize(
    "text",
    [
        "Internet Initiative Japan Inc. announced its first six months financial results.",
        "",
        "The board declared a quarterly dividend of $0.46 per share.",  # no record date
    ],
)
def test_a_text_without_a_dividend_exits_1_with_the_reason(
    text: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, document, err = run_text(capsys, tmp_path, text, "--mic", "XNAS", "--local-code", "X")
    assert code == 1
    assert document["resolutions"] == []
    assert "no dividend" in err


def test_a_dividend_without_a_listing_or_issuer_asks_for_the_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, FIXTURES / "culp-2013-02-27-quarterly-on-or-about.txt")
    assert code == 1
    assert "--issuer" in err
    assert "--mic" in err


def test_an_option_that_contradicts_the_text_wins_with_a_review_note(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, document, _ = run(capsys, SEED, *SEED_ARGS, "--local-code", "9999")
    assert code == 0
    assert document["resolutions"][0]["security"]["local_code"] == "9999"
    [note] = [i for i in document["review"] if i["kind"] == "overridden"]
    assert note["field"] == "security.local_code"
    assert "TSE1:3774" in note["reason"]


def test_ids_given_are_used_one_per_dividend(capsys: pytest.CaptureFixture[str]) -> None:
    args = [*ALL[0].args, "--event-id", "E-SPECIAL", "--event-id", "E-Q"]
    assert ALL[0].name.startswith("culp-2012")
    code, document, _ = run(capsys, FIXTURES / f"{ALL[0].name}.txt", *args)
    assert code == 0
    assert [r["event_id"] for r in document["resolutions"]] == ["E-SPECIAL", "E-Q"]
    code, _, err = run(capsys, FIXTURES / f"{ALL[0].name}.txt", *ALL[0].args, "--event-id", "E1")
    assert code == 1
    assert "1 --event-id given for 2 dividends" in err


@pytest.mark.parametrize(
    "args",
    [
        ["--mic", "XTSK"],
        ["--isin", "JP3152820002"],
        ["--resolved-on", "4 Nov 2016"],
        ["--other-listing", "XNAS:IIJI"],
    ],
)
def test_a_bad_option_exits_2_in_one_line(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, SEED, *args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("corpactions extract: error:")


def test_an_unreadable_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, tmp_path / "missing.txt")
    assert code == 2
    assert "missing.txt" in err


def test_produce_to_an_unreachable_broker_exits_2_in_one_line_and_sends_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port()
    code, document, err = run(
        capsys, SEED, *SEED_ARGS, "--produce", "--bootstrap-server", f"127.0.0.1:{port}"
    )
    assert code == 2
    assert document["resolutions"]  # what was read is still printed
    assert err.strip().count("\n") == 0
    assert re.search(rf"cannot use Kafka at 127\.0\.0\.1:{port}: .*nothing sent", err)


def test_produce_with_a_setting_it_cannot_use_exits_2_naming_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    monkeypatch.setenv("CORPACTIONS_PARTITIONS", "six")
    code, _, err = run(capsys, SEED, *SEED_ARGS, "--produce")
    assert code == 2
    assert "CORPACTIONS_PARTITIONS" in err
    assert err.strip().count("\n") == 0


def test_other_commands_do_not_load_the_parser_libraries() -> None:
    probe = (
        "import sys; from corpactions.cli import build_parser; build_parser();"
        "import corpactions.commands.schedule;"
        "print(sorted(m for m in ('dateparser', 'price_parser', 'corpactions.announcements')"
        " if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_fresh_ids_are_new_each_time_and_fit_an_iso_20022_event_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, first, _ = run(capsys, SEED, *SEED_ARGS)
    _, second, _ = run(capsys, SEED, *SEED_ARGS)
    ids = [
        m[k]
        for doc in (first, second)
        for m in doc["resolutions"] + doc["forecasts"]
        for k in ("message_id", "event_id")
        if k in m
    ]
    assert len(set(ids)) == len(ids)
    assert max(len(i) for i in ids) <= 35  # seev.031 CorpActnEvtId is Max35Text


@pytest.mark.parametrize(
    ("printed", "currency", "amount"),
    [
        ("$0.39", "USD", "0.39"),
        ("USD 0.2875", "USD", "0.2875"),
        ("US$0.2875", "USD", "0.2875"),
        ("JPY13.50", "JPY", "13.50"),
        ("¥13.50", "JPY", "13.50"),
        ("13.50 yen", "JPY", "13.50"),
        ("7 cents", "USD", "0.07"),
    ],
)
def test_the_amount_and_currency_as_printed(
    printed: str, currency: str, amount: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Synthetic one-sentence announcements (the real ones are the fixtures)."""
    text = (
        f"NEW YORK, May 1, 2024 -- Example Corp. (NYSE: EXM) today announced that its board "
        f"declared a quarterly cash dividend of {printed} per share, payable on May 30, 2024, "
        "to shareholders of record at the close of business on May 15, 2024."
    )
    code, document, err = run_text(capsys, tmp_path, text)
    assert code == 0, err
    [r] = document["resolutions"]
    assert (r["currency"], r["gross_amount_per_share"]) == (currency, amount)
    assert (r["resolved_on"], r["record_date"], r["payment_date"]) == (
        "2024-05-01",
        "2024-05-15",
        "2024-05-30",
    )
    assert (r["issuer"]["name"], r["security"]) == (
        "Example Corp.",
        {"local_code": "EXM", "mic": "XNYS"},
    )
