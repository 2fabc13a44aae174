"""The agreement corpus: board-resolution payloads, hand-made and generated (hypothesis),
on which the published JSON Schema and the service must give the same verdict.

    .venv/bin/python -m tests.unit.contracts.corpus   # rewrite corpus.jsonl

`corpus.jsonl` holds one payload per line with the verdict both sides gave when it was
written ("valid"/"invalid"), so an integrator can run their own validator over it. The
generated part is drawn with a fixed seed (`derandomize`); test_agreement.py also draws
fresh payloads on every run.
"""

from __future__ import annotations

import base64
import copy
import json
import string
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "schemas" / "examples" / "board-resolution.iij-fy2016-interim.json"
CORPUS = Path(__file__).with_name("corpus.jsonl")
IIJ: dict[str, Any] = json.loads(EXAMPLE.read_text())
GENERATED = 420  # generated payloads in corpus.jsonl (besides the hand-made ones)


def dumps(doc: Any) -> bytes:
    """JSON as a producer would write it (ASCII escapes: a lone surrogate stays \\udxxx)."""
    return json.dumps(doc).encode()


def iij(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(IIJ)
    doc.update(changes)
    return doc


def at(path: tuple[str | int, ...], value: Any, doc: dict[str, Any] | None = None) -> bytes:
    """The IIJ example with the value at ``path`` replaced (a `DELETE` value removes it)."""
    doc = copy.deepcopy(IIJ) if doc is None else doc
    node: Any = doc
    for step in path[:-1]:
        node = node[step]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return dumps(doc)


DELETE = object()

# --- hand-made: every schema-level reason the service dead-letters for, and its edges ---

# (why, payload) pairs; the verdict is not written here: both sides must agree on it,
# and the expected verdict of each is pinned in test_agreement.py where it matters.
HAND_MADE: list[tuple[str, bytes]] = [
    ("the IIJ example", dumps(IIJ)),
    # undecodable: not JSON, not UTF-8, not I-JSON
    ("empty payload", b""),
    ("not JSON", b"{nope"),
    ("truncated JSON", dumps(IIJ)[:-1]),
    ("invalid UTF-8", dumps(iij()).replace(b"Inc.", b"Inc.\xff")),
    ("latin-1 text", json.dumps(iij(issuer={"name": "Soci\u00e9t\u00e9"}), ensure_ascii=False)
     .encode("latin-1")),
    ("UTF-8 byte order mark", b"\xef\xbb\xbf" + dumps(IIJ)),
    ("lone surrogate in a name", dumps(iij(issuer={"name": "IIJ \ud800"}))),
    ("raw control character in a string", dumps(IIJ).replace(b"Inc.", b"Inc.\x01")),
    ("NaN for eligible shares", dumps(IIJ).replace(b"45925926", b"NaN")),
    ("Infinity for money", at(("gross_amount_per_share",), float("inf"))),
    # not an object
    ("top-level array", b"[]"),
    ("top-level string", b'"NEWM"'),
    ("top-level number", b"13.5"),
    ("top-level null", b"null"),
    # money
    ("money as a JSON float", at(("gross_amount_per_share",), 13.5)),
    ("money as an integral JSON float", at(("gross_amount_per_share",), 13.0)),
    ("money in exponent notation, as a number", dumps(IIJ).replace(b'"13.50"', b"1.35e1", 1)),
    ("money as a boolean", at(("gross_amount_per_share",), True)),
    ("money as null", at(("gross_amount_per_share",), None)),
    ("money as an object", at(("gross_amount_per_share",), {"amount": "13.50"})),
    ("money spelled out", at(("gross_amount_per_share",), "thirteen")),
    ("money in exponent notation", at(("gross_amount_per_share",), "1e2")),
    ("money with an upper-case exponent", at(("gross_amount_per_share",), "1.35E1")),
    ("money with a decimal comma", at(("gross_amount_per_share",), "13,50")),
    ("money with a thousands separator", at(("gross_amount_per_share",), "1,500")),
    ("money with a plus sign", at(("gross_amount_per_share",), "+13.50")),
    ("money with a leading space", at(("gross_amount_per_share",), " 13.50")),
    ("money with a trailing newline", at(("gross_amount_per_share",), "13.50\n")),
    ("money without an integer part", at(("gross_amount_per_share",), ".5")),
    ("money ending in a point", at(("gross_amount_per_share",), "13.")),
    ("money in full-width digits", at(("gross_amount_per_share",), "\uff11\uff13")),
    ("money in Arabic-Indic digits", at(("gross_amount_per_share",), "\u0661\u0663")),
    ("money as an empty string", at(("gross_amount_per_share",), "")),
    ("money NaN string", at(("gross_amount_per_share",), "NaN")),
    ("rate zero", at(("gross_amount_per_share",), "0")),
    ("rate zero with decimals", at(("gross_amount_per_share",), "0.00")),
    ("rate negative zero", at(("gross_amount_per_share",), "-0")),
    ("rate negative", at(("gross_amount_per_share",), "-13.50")),
    ("rate integer zero", at(("gross_amount_per_share",), 0)),
    ("rate negative integer", at(("gross_amount_per_share",), -5)),
    ("rate integer", at(("gross_amount_per_share",), 1500)),
    ("rate with leading zeros", at(("gross_amount_per_share",), "0013.50")),
    ("rate with 13 decimals", at(("gross_amount_per_share",), "0.1234567890123")),
    ("rate with 14 decimals", at(("gross_amount_per_share",), "0.12345678901234")),
    ("rate with 14 decimals, all zero", at(("gross_amount_per_share",), "1.00000000000000")),
    ("rate with 18 digits", at(("gross_amount_per_share",), "12345.6789012345678")),
    ("rate with 19 digits", at(("gross_amount_per_share",), "123456.7890123456789")),
    ("rate of 18 integer digits", at(("gross_amount_per_share",), "123456789012345678")),
    ("rate of 19 integer digits", at(("gross_amount_per_share",), "1234567890123456789")),
    ("rate of 18 integer digits, leading zeros", at(("gross_amount_per_share",),
                                                    "000123456789012345678")),
    ("rate integer of 18 digits", at(("gross_amount_per_share",), 999999999999999999)),
    ("rate integer of 19 digits", at(("gross_amount_per_share",), 1000000000000000000)),
    ("declared total zero", at(("declared_total", "amount"), "0")),
    ("declared total negative zero", at(("declared_total", "amount"), "-0")),
    ("declared total negative", at(("declared_total", "amount"), "-620")),
    ("declared total negative integer", at(("declared_total", "amount"), -620)),
    ("declared total as a float", at(("declared_total", "amount"), 620.0)),
    ("declared total with 14 decimals", at(("declared_total", "amount"), "0.00000000000001")),
    ("forecast negative", at(("forecast_per_share", "amount"), "-1")),
    ("forecast zero", at(("forecast_per_share", "amount"), "0")),
    ("ADS ratio zero", at(("other_listings", 0, "shares_per_unit"), "0")),
    ("ADS ratio 0.000", at(("other_listings", 0, "shares_per_unit"), "0.000")),
    ("ADS ratio negative", at(("other_listings", 0, "shares_per_unit"), "-0.5")),
    ("ADS ratio integer one", at(("other_listings", 0, "shares_per_unit"), 1)),
    ("ADS ratio integer zero", at(("other_listings", 0, "shares_per_unit"), 0)),
    ("reference price zero", at(("reference_price",), {"amount": "0", "priced_on": "2016-11-04"})),
    ("reference price", dumps(iij(reference_price={"amount": "3000", "priced_on": "2016-11-04"}))),
    ("reference price -0",
     dumps(iij(reference_price={"amount": "-0.0", "priced_on": "2016-11-04"}))),
    # integers
    ("version 0", at(("version",), 0)),
    ("version 2**31 - 1", at(("version",), 2**31 - 1)),
    ("version 2**31", at(("version",), 2**31)),
    ("version as digits", at(("version",), "2")),
    ("version as digits with leading zeros", at(("version",), "0002")),
    ("version '2147483647'", at(("version",), "2147483647")),
    ("version '2147483648'", at(("version",), "2147483648")),
    ("version '0'", at(("version",), "0")),
    ("version with a plus sign", at(("version",), "+2")),
    ("version with spaces", at(("version",), " 2 ")),
    ("version with an underscore", at(("version",), "1_0")),
    ("version '2.0'", at(("version",), "2.0")),
    ("version '2\\n'", at(("version",), "2\n")),
    ("version as a float", at(("version",), 2.5)),
    ("version as an integral float", at(("version",), 2.0)),
    ("version as a boolean", at(("version",), True)),
    ("eligible shares as an integral float", at(("eligible_shares",), 45925926.0)),
    ("eligible shares as digits", at(("eligible_shares",), "45925926")),
    ("eligible shares 10**15", at(("eligible_shares",), 10**15)),
    ("eligible shares 10**15 + 1", at(("eligible_shares",), 10**15 + 1)),
    ("eligible shares '1000000000000001'", at(("eligible_shares",), "1000000000000001")),
    ("eligible shares negative", at(("eligible_shares",), -1)),
    ("eligible shares '-1'", at(("eligible_shares",), "-1")),
    ("eligible shares null", at(("eligible_shares",), None)),
    ("eligible shares 1e3", dumps(IIJ).replace(b"45925926", b"1e3")),
    ("unit zero", at(("declared_total", "unit"), 0)),
    ("unit '0'", at(("declared_total", "unit"), "0")),
    ("unit '000'", at(("declared_total", "unit"), "000")),
    ("unit a huge power of ten", at(("declared_total", "unit"), 10**30)),
    ("unit not a power of ten (domain rule)", at(("declared_total", "unit"), 2500)),
    # dates
    ("record date as a timestamp", at(("record_date",), "2016-09-30T00:00:00")),
    ("record date as epoch seconds", at(("record_date",), 1475193600)),
    ("record date without zero padding", at(("record_date",), "2016-9-30")),
    ("record date compact", at(("record_date",), "20160930")),
    ("record date with a trailing newline", at(("record_date",), "2016-09-30\n")),
    ("record date 30 February", at(("record_date",), "2016-02-30")),
    ("record date 29 February of a leap year", at(("record_date",), "2016-02-29")),
    ("record date 29 February of a common year", at(("record_date",), "2015-02-29")),
    ("record date month 13", at(("record_date",), "2016-13-01")),
    ("record date year 0", at(("record_date",), "0000-01-01")),
    ("record date null", at(("record_date",), None)),
    ("payment date null", at(("payment_date",), None)),
    ("payment date before the record date (domain rule)", at(("payment_date",), "2016-09-01")),
    ("forecast date invalid", at(("forecast_per_share", "disclosed_on"), "2016-05-32")),
    # enums, booleans
    ("function NEW", at(("function",), "NEW")),
    ("function lower case", at(("function",), "newm")),
    ("function WITH", at(("function",), "WITH")),
    ("dividend type unknown", at(("dividend_type",), "final")),
    ("rounding floor", at(("declared_total", "rounding"), "floor")),
    ("source of funds unknown", at(("source_of_funds",), "capital")),
    ("subject to approval 'yes'", at(("subject_to_approval",), "yes")),
    ("subject to approval 1", at(("subject_to_approval",), 1)),
    ("subject to approval true", at(("subject_to_approval",), True)),
    # identifiers and strings
    ("ISIN with a bad check digit (service only)", at(("security", "isin"), "JP3152820002")),
    ("ISIN lower case", at(("security", "isin"), "jp3152820001")),
    ("ISIN with a trailing newline", at(("security", "isin"), "JP3152820001\n")),
    ("ISIN too short", at(("security", "isin"), "JP315282000")),
    ("security with neither ISIN nor local code",
     dumps(iij(security={"mic": "XTKS"}))),
    ("security with both null", dumps(iij(security={"isin": None, "local_code": None,
                                                    "mic": "XTKS"}))),
    ("security by local code only", dumps(iij(security={"local_code": "3774", "mic": "XTKS"}))),
    ("security with a null ISIN and a local code",
     dumps(iij(security={"isin": None, "local_code": "3774", "mic": "XTKS"}))),
    ("MIC of three letters", at(("security", "mic"), "XTK")),
    ("MIC lower case", at(("security", "mic"), "xtks")),
    ("MIC with a trailing newline", at(("security", "mic"), "XTKS\n")),
    ("MIC unknown (domain rule)", at(("security", "mic"), "QQQQ")),
    ("currency lower case", at(("currency",), "jpy")),
    ("currency with a trailing newline", at(("currency",), "JPY\n")),
    ("currency unknown (domain rule)", at(("currency",), "XXX")),
    ("LEI", dumps(iij(issuer={"name": "IIJ", "lei": "5493001KJTIIGC8Y1R12"}))),
    ("LEI too short", dumps(iij(issuer={"name": "IIJ", "lei": "5493001KJTIIGC8Y1R1"}))),
    ("LEI with a trailing newline",
     dumps(iij(issuer={"name": "IIJ", "lei": "5493001KJTIIGC8Y1R12\n"}))),
    ("message id empty", at(("message_id",), "")),
    ("message id of 128 characters", at(("message_id",), "m" * 128)),
    ("message id of 129 characters", at(("message_id",), "m" * 129)),
    ("message id of 128 non-ASCII characters", at(("message_id",), "\u00e9" * 128)),
    ("message id of 128 astral characters", at(("message_id",), "\U0001f600" * 128)),
    ("message id as a number", at(("message_id",), 5)),
    ("message id with a newline", at(("message_id",), "m\n")),
    ("issuer name empty", at(("issuer", "name"), "")),
    ("issuer name of 201 characters", at(("issuer", "name"), "n" * 201)),
    ("local code of 13 characters",
     dumps(iij(security={"local_code": "1234567890123", "mic": "XTKS"}))),
    ("symbol empty", at(("other_listings", 0, "symbol"), "")),
    # shape
    ("extra top-level field", dumps(iij(surprise=1))),
    ("extra field in security", dumps(iij(security={**IIJ["security"], "cusip": "x"}))),
    ("extra field in a listing", at(("other_listings", 0, "ratio"), "2:1")),
    ("extra field in the declared total", at(("declared_total", "note"), "")),
    ("other listings null", at(("other_listings",), None)),
    ("other listings empty", at(("other_listings",), [])),
    ("other listings as an object", at(("other_listings",), {})),
    ("33 other listings", at(("other_listings",), [
        {"mic": "XNAS", "symbol": f"S{n}", "shares_per_unit": "1"} for n in range(33)])),
    ("32 other listings", at(("other_listings",), [
        {"mic": "XNAS", "symbol": f"S{n}", "shares_per_unit": "1"} for n in range(32)])),
    ("declared total null", at(("declared_total",), None)),
    ("declared total as a string", at(("declared_total",), "620 million")),
    ("forecast as a list", at(("forecast_per_share",), [])),
    ("issuer null", at(("issuer",), None)),
    *[(f"{name} missing", at((name,), DELETE)) for name in IIJ],
    ("subject_to_approval missing", dumps(IIJ)),
    ("declared total unit missing", at(("declared_total", "unit"), DELETE)),
    ("listing mic missing", at(("other_listings", 0, "mic"), DELETE)),
    ("forecast date missing", at(("forecast_per_share", "disclosed_on"), DELETE)),
    ("duplicate key, the last one valid", dumps(IIJ)[:-1] + b', "version": 2}'),
    ("duplicate key, the last one invalid", dumps(IIJ)[:-1] + b', "version": "x"}'),
    ("whitespace around the document", b" \n\t" + dumps(IIJ) + b"\r\n"),
]  # fmt: skip


# --- generated -----------------------------------------------------------------------


def _isin_with_check_digit(body: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in body)
    total = 0
    for position, ch in enumerate(reversed(digits)):
        d = int(ch)
        if position % 2 == 0:  # the check digit will shift parity by one
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return body + str((10 - total % 10) % 10)


ANYTHING: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)

_decimal_text = st.from_regex(r"\A-?0{0,2}[0-9]{0,20}(\.[0-9]{0,15})?\Z")
_odd_money = st.sampled_from(
    ["", ".5", "5.", "+1", " 1", "1 ", "1e2", "1E-2", "1,000", "NaN", "Infinity", "-0",
     "0.0", "-0.000", "1\n", "\uff11", "0x10", "1_000", "--1", "1.2.3"]
)  # fmt: skip
_well_formed = st.builds(  # near the precision limits: up to 20 + 15 digits
    "{}{}.{}".format,
    st.sampled_from(["", "-", "0"]),
    st.integers(min_value=0, max_value=10**20),
    st.from_regex(r"\A[0-9]{1,15}\Z"),
)
MONEY = st.one_of(
    _decimal_text,
    _well_formed,
    _odd_money,
    st.integers(min_value=-(10**19), max_value=10**19),
    st.sampled_from([0, 1, -1, 10**18 - 1, 10**18, -(10**18) + 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**6), max_value=10**6).map(float),  # integral floats
    ANYTHING,
)


def _integer(low: int, high: int | None) -> st.SearchStrategy[Any]:
    top = (high if high is not None else 10**20) + 2
    numbers = st.integers(min_value=low - 2, max_value=top)
    edges = [low - 1, low, low + 1] + ([high - 1, high, high + 1] if high is not None else [])
    return st.one_of(
        numbers,
        st.sampled_from(edges),
        numbers.map(str),
        st.sampled_from(edges).map(str),
        st.tuples(st.sampled_from(["0", "00", "+", " ", "-", ""]), numbers).map(
            lambda t: f"{t[0]}{t[1]}"
        ),
        st.sampled_from(["1_0", "1.0", "2\n", "", "x", "0x1"]),
        numbers.map(float),
        ANYTHING,
    )


DATE = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\n?\Z"),
    st.dates().map(lambda d: f"{d.isoformat()}T00:00:00"),
    st.dates().map(lambda d: d.strftime("%Y%m%d")),
    st.sampled_from(["2016-02-30", "2015-02-29", "2016-02-29", "0000-01-01", "9999-12-31",
                     "2016-9-30", ""]),
    ANYTHING,
)  # fmt: skip
MIC = st.one_of(
    st.sampled_from(["XTKS", "XNYS", "XNAS", "QQQQ", "XLON", "XJSE"]),
    st.from_regex(r"\A[A-Za-z0-9]{3,5}\n?\Z"),
    ANYTHING,
)
ISIN = st.one_of(
    st.from_regex(r"\A[A-Z]{2}[A-Z0-9]{9}\Z").map(_isin_with_check_digit),
    st.from_regex(r"\A[A-Za-z]{2}[A-Z0-9]{9}[0-9]\n?\Z"),
    st.just("JP3152820001"),
    ANYTHING,
)
CODE = st.one_of(st.text(min_size=0, max_size=14), ANYTHING)
TEXT_128 = st.one_of(
    st.text(max_size=130), st.sampled_from(["m" * 128, "m" * 129, "\U0001f600" * 128]), ANYTHING
)


def _enum(values: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(values), st.text(alphabet=string.ascii_letters, max_size=6),
                     ANYTHING)  # fmt: skip


LISTING = st.fixed_dictionaries(
    {"mic": MIC, "symbol": CODE, "shares_per_unit": MONEY},
    optional={"extra": ANYTHING},
)

# path -> strategy for the value found there
FIELDS: dict[tuple[str | int, ...], st.SearchStrategy[Any]] = {
    ("message_id",): TEXT_128,
    ("event_id",): TEXT_128,
    ("function",): _enum(["NEWM", "REPL", "CANC", "WITH", "RMDR"]),
    ("version",): _integer(1, 2**31 - 1),
    ("resolved_on",): DATE,
    ("subject_to_approval",): st.one_of(st.booleans(), ANYTHING),
    ("issuer", "name"): st.one_of(st.text(max_size=202), ANYTHING),
    ("issuer", "lei"): st.one_of(st.from_regex(r"\A[A-Z0-9]{18,19}[0-9]{1,2}\n?\Z"), ANYTHING),
    ("security", "isin"): ISIN,
    ("security", "local_code"): CODE,
    ("security", "mic"): MIC,
    ("other_listings",): st.one_of(st.lists(LISTING, max_size=3), ANYTHING),
    ("other_listings", 0, "mic"): MIC,
    ("other_listings", 0, "symbol"): CODE,
    ("other_listings", 0, "shares_per_unit"): MONEY,
    ("dividend_type",): _enum(["interim", "year_end", "quarterly", "regular", "special"]),
    ("fiscal_year_end",): DATE,
    ("currency",): st.one_of(st.sampled_from(["JPY", "USD", "XXX"]),
                             st.from_regex(r"\A[A-Za-z]{2,4}\n?\Z"), ANYTHING),
    ("gross_amount_per_share",): MONEY,
    ("record_date",): DATE,
    ("payment_date",): DATE,
    ("eligible_shares",): _integer(0, 10**15),
    ("declared_total", "amount"): MONEY,
    ("declared_total", "unit"): _integer(1, None),
    ("declared_total", "rounding"): _enum(["truncate", "half_up"]),
    ("source_of_funds",): _enum(["retained_earnings", "capital_surplus"]),
    ("forecast_per_share", "amount"): MONEY,
    ("forecast_per_share", "disclosed_on"): DATE,
    ("reference_price",): st.fixed_dictionaries({"amount": MONEY, "priced_on": DATE}),
}  # fmt: skip
PATHS = sorted(FIELDS, key=str)
OBJECTS: list[tuple[str | int, ...]] = [(), ("issuer",), ("security",), ("declared_total",),
                                        ("forecast_per_share",), ("other_listings", 0)]  # fmt: skip


@st.composite
def mutation(draw: st.DrawFn) -> Callable[[dict[str, Any]], None]:
    kind = draw(st.sampled_from(["replace", "replace", "replace", "delete", "extra"]))
    if kind == "extra":
        where = draw(st.sampled_from(OBJECTS))
        name = draw(st.text(min_size=1, max_size=6))
        value = draw(ANYTHING)

        def add(doc: dict[str, Any]) -> None:
            node: Any = doc
            for step in where:
                node = node[step] if isinstance(node, (dict, list)) and _has(node, step) else None
            if isinstance(node, dict):
                node.setdefault(name, value)

        return add
    path = draw(st.sampled_from(PATHS))
    value = DELETE if kind == "delete" else draw(FIELDS[path])

    def change(doc: dict[str, Any]) -> None:
        node: Any = doc
        for step in path[:-1]:
            if not (isinstance(node, (dict, list)) and _has(node, step)):
                return
            node = node[step]
        last = path[-1]
        if isinstance(node, dict) and isinstance(last, str):
            if value is DELETE:
                node.pop(last, None)
            else:
                node[last] = value
        elif (
            isinstance(node, list)
            and isinstance(last, int)
            and last < len(node)
            and value is not DELETE
        ):
            node[last] = value

    return change


def _has(node: Any, step: str | int) -> bool:
    if isinstance(node, dict):
        return step in node
    return isinstance(step, int) and step < len(node)


@st.composite
def payloads(draw: st.DrawFn) -> bytes:
    """The IIJ example (sometimes by local code only, or with its optional parts null)
    with 0-3 mutations: each field replaced by a value near or past its limits, deleted,
    or an unknown field added."""
    doc = copy.deepcopy(IIJ)
    if draw(st.booleans()):
        doc["security"] = {"local_code": "3774", "mic": "XTKS"}
    for name in ("declared_total", "forecast_per_share", "payment_date", "eligible_shares"):
        if draw(st.integers(0, 5)) == 0:
            doc[name] = None
    if draw(st.integers(0, 3)) == 0:
        doc["reference_price"] = {"amount": "3000", "priced_on": "2016-11-04"}
    for change in draw(st.lists(mutation(), max_size=3)):
        change(doc)
    return dumps(doc)


def generated(n: int, seed_offset: int = 0) -> list[bytes]:
    """``n`` payloads drawn deterministically (the same ones on every run)."""
    out: list[bytes] = []

    @settings(
        max_examples=n,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(payloads())
    def collect(payload: bytes) -> None:
        out.append(payload)

    collect()
    return out


def corpus() -> list[tuple[str, bytes]]:
    """Hand-made cases first, then the generated ones (duplicates dropped)."""
    seen: set[bytes] = set()
    out: list[tuple[str, bytes]] = []
    for why, payload in [*HAND_MADE, *((f"generated {i}", p) for i, p in
                                        enumerate(generated(GENERATED)))]:  # fmt: skip
        if payload not in seen:
            seen.add(payload)
            out.append((why, payload))
    return out


def line(why: str, payload: bytes, verdict: str) -> str:
    try:
        item: dict[str, Any] = {"why": why, "verdict": verdict, "payload": payload.decode()}
    except UnicodeDecodeError:
        item = {"why": why, "verdict": verdict,
                "payload_base64": base64.b64encode(payload).decode()}  # fmt: skip
    return json.dumps(item, ensure_ascii=False)


def read_corpus(path: Path = CORPUS) -> list[tuple[str, bytes, str]]:
    out = []
    for text in path.read_text().splitlines():
        item = json.loads(text)
        raw = (
            item["payload"].encode("utf-8", "surrogatepass")
            if "payload" in item
            else base64.b64decode(item["payload_base64"])
        )
        out.append((item["why"], raw, item["verdict"]))
    return out


def main() -> int:
    from tests.unit.contracts.agreement import agreed_verdict

    lines = [line(why, raw, agreed_verdict(raw)) for why, raw in corpus()]
    CORPUS.write_text("\n".join(lines) + "\n")
    print(f"{CORPUS}: {len(lines)} payloads", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
