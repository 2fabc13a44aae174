"""ISO 20022 notifications: seev.031 NEWM/REPL per schedule event, seev.039 per cancellation.

No registry package ships the seev XSDs (PyPI's python-iso20022 ships only the classes
generated from them; Prowide's jar on Maven Central, the classes only), so every
document is parsed back strictly by xsdata into the generated classes (no unknown
element, attribute or value), checked against every restriction the classes carry
(lengths, patterns, digits, code lists, required elements, choices) and against the
schema's sequence order, and re-serialized by xsdata itself: equal byte for byte.

The golden documents in golden/ were written by hand from the SMPG market practice for
a mandatory cash dividend (DVCA), with IIJ's published dates and rate.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import itertools
import json
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xsdata.formats.dataclass.parsers import XmlParser
from xsdata.formats.dataclass.parsers.config import ParserConfig

from corpactions.commands.schedule import print_schedule
from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.events import ID_NAMESPACE
from corpactions.contracts.topics import Topics
from corpactions.notifications import (
    SEEV031_FIELDS,
    SEEV039_FIELDS,
    Inexpressible,
    notification,
    notification_id,
    problems,
    seev,
)
from corpactions.notifications.generated import (
    SEEV031_NS,
    SEEV039_NS,
    Seev031Document,
    Seev039Document,
    n31,
)
from corpactions.notifications.restrictions import digits, element_order_errors
from corpactions.notifications.seev import seev031_document, seev039_document, xsdata_xml
from corpactions.notifications.writer import check, render
from corpactions.stream.agent import Outcome, Outgoing
from corpactions.stream.intake import Source, Verdict
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.notifier import Notifier, NotifierState
from corpactions.stream.state import PartitionState
from tests.bench.bench_core import synthetic
from tests.support.kafka import key_of
from tests.unit.test_encoding import emitted, iij_sequence

from .resolutions import EXAMPLE, iij, iij_dict

GOLDEN = Path(__file__).parent / "golden"
TOPICS = Topics()
NS31 = {"n": SEEV031_NS}
NS39 = {"n": SEEV039_NS}
NOW = dt.datetime(2016, 11, 4, 6, tzinfo=dt.UTC)
IIJ_EVENT = "JP3152820001-DVCA-FY2016-INTERIM"
IIJ_EX_DATE = dt.date(2016, 9, 28)  # DOMAIN.md: record 2016-09-30 (XTKS, T+3) -> ex 09-28
_PARSER = XmlParser(
    config=ParserConfig(
        fail_on_unknown_properties=True,
        fail_on_unknown_attributes=True,
        fail_on_converter_warnings=True,
    )
)


def strictly_valid(xml: bytes) -> Any:
    """``xml`` parsed back into the generated classes, after every check: structure and
    order, every restriction, and xsdata's own serialization of it equal byte for byte."""
    root_tag = ET.fromstring(xml).tag  # noqa: S314 - our own output
    cls, ns = (
        (Seev031Document, SEEV031_NS) if SEEV031_NS in root_tag else (Seev039Document, SEEV039_NS)
    )
    assert element_order_errors(xml, cls, ns) == []
    parsed = _PARSER.from_bytes(xml, cls)
    assert check(parsed) == []
    assert xsdata_xml(parsed, ns) == xml
    return parsed


# the notifier's state and the offset of the next schedule event, beside each lifecycle
# state (kept with it, so that its id is not reused while the test runs)
_NOTIFIER: dict[int, tuple[PartitionState, NotifierState, list[int]]] = {}


def notified(state: PartitionState, outcome: Outcome) -> Outcome:
    """``outcome`` with what the notifier writes for its schedule events (read from
    partition 0 of the schedules topic, offsets counted per ``state``), as it was when
    the lifecycle wrote the documents itself."""
    _, notifier_state, offset = _NOTIFIER.setdefault(id(state), (state, NotifierState(), [0]))
    outputs, reason = list(outcome.outputs), outcome.reason
    for event in [o for o in outcome.outputs if o.topic == TOPICS.schedules]:
        source = Source(TOPICS.schedules, 0, offset[0], None, event.key, event.headers)
        offset[0] += 1
        notice = Notifier(TOPICS).on_record(notifier_state, event.value, source, NOW)
        outputs += notice.outputs
        reason = notice.reason or reason
    return Outcome(outcome.verdict, tuple(outputs), outcome.changes, reason)


def feed(life: Lifecycle, state: PartitionState, offset: int, **changes: Any) -> Outcome:
    raw = json.dumps(iij_dict(**changes), ensure_ascii=False).encode()
    source = Source(TOPICS.resolutions, 0, offset, None, key_of(raw))
    return notified(state, life.on_resolution(state, raw, source, NOW))


def documents(outcome: Outcome) -> list[Outgoing]:
    return [o for o in outcome.outputs if o.topic == TOPICS.notifications]


def letters(outcome: Outcome) -> list[dict[str, Any]]:
    return [json.loads(o.value) for o in outcome.outputs if o.topic == TOPICS.dead_letters]


def text(xml: bytes, path: str, ns: dict[str, str] = NS31) -> str | None:
    node = ET.fromstring(xml).find(path, ns)  # noqa: S314
    return None if node is None else node.text


# -- golden --------------------------------------------------------------------------------


def test_iij_interim_notification_equals_the_hand_written_golden_document() -> None:
    golden = (GOLDEN / "seev031.iij-fy2016-interim.xml").read_bytes()
    assert notification(iij(), IIJ_EX_DATE).xml == golden
    strictly_valid(golden)


def test_golden_notification_id_is_the_uuid5_of_definition_event_and_version() -> None:
    expected = uuid.uuid5(ID_NAMESPACE, f"seev.031.001.14\x1f{IIJ_EVENT}\x1f1")
    golden = (GOLDEN / "seev031.iij-fy2016-interim.xml").read_bytes()
    assert text(golden, "n:CorpActnNtfctn/n:NtfctnGnlInf/n:NtfctnId") == expected.hex[:16]
    assert notification_id("JP3152820001-DVCA-FY2016-INTERIM", 1) == expected.hex[:16]


def test_schedule_command_prints_the_golden_document_offline() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert print_schedule(str(EXAMPLE), out, err, fmt="seev031") == 0
    assert err.getvalue() == ""
    assert out.getvalue().encode() == (GOLDEN / "seev031.iij-fy2016-interim.xml").read_bytes()


def test_the_service_writes_the_golden_document_beside_the_scheduled_event() -> None:
    life, state = Lifecycle(TOPICS), PartitionState()
    outcome = feed(life, state, 0)
    assert outcome.verdict is Verdict.SCHEDULED
    [document] = documents(outcome)
    assert document.value == (GOLDEN / "seev031.iij-fy2016-interim.xml").read_bytes()
    assert document.key == b"JP3152820001"
    headers = dict(document.headers)
    assert headers["content-type"] == b"application/xml"
    assert headers["ce_type"] == b"seev.031.001.14"
    assert headers["ce_subject"] == b"JP3152820001-DVCA-FY2016-INTERIM"
    assert headers["ce_specversion"] == b"1.0"
    expected_id = uuid.uuid5(ID_NAMESPACE, f"seev.031.001.14\x1f{IIJ_EVENT}\x1f1")
    assert headers["ce_id"] == str(expected_id).encode()
    assert document.event_type == "seev.031.001.14"


def test_withdrawal_gives_the_golden_cancellation_advice_with_reason_with() -> None:
    life, state = Lifecycle(TOPICS), PartitionState()
    feed(life, state, 0)
    outcome = feed(life, state, 1, message_id="m2", function="WITH", version=2)
    assert outcome.verdict is Verdict.CANCELLED
    [document] = documents(outcome)
    golden = (GOLDEN / "seev039.iij-fy2016-interim-withdrawn.xml").read_bytes()
    assert document.value == golden
    assert dict(document.headers)["ce_type"] == b"seev.039.001.12"
    strictly_valid(golden)


# -- every document the service writes -------------------------------------------------------


def test_every_document_emitted_parses_back_strictly_and_matches_xsdata_byte_for_byte() -> None:
    raws = iij_sequence() + synthetic(400, seed=5) + [b"{not json"]
    outputs = emitted(raws)
    schedule_events = [json.loads(o.value) for o in outputs if o.topic == TOPICS.schedules]
    docs = [o for o in outputs if o.topic == TOPICS.notifications]
    kinds: Counter[str] = Counter()
    for doc in docs:
        strictly_valid(doc.value)
        kinds[doc.event_type] += 1
    # one document per schedule event, none for the date events or the dead letter
    assert len(docs) == len(schedule_events)
    cancelled = sum(e["type"] == "DividendCancelled" for e in schedule_events)
    assert kinds == Counter(
        {"seev.031.001.14": len(docs) - cancelled, "seev.039.001.12": cancelled}
    )
    assert len({dict(d.headers)["ce_id"] for d in docs}) == len(docs)


def test_replacement_is_a_repl_linked_to_the_notification_it_replaces() -> None:
    life, state = Lifecycle(TOPICS), PartitionState()
    first = documents(feed(life, state, 0))[0].value
    outcome = feed(life, state, 1, message_id="m2", function="REPL", version=3,
                   payment_date="2016-12-09")  # fmt: skip
    assert outcome.verdict is Verdict.REPLACED
    [document] = documents(outcome)
    xml = document.value
    strictly_valid(xml)
    first_id = text(first, "n:CorpActnNtfctn/n:NtfctnGnlInf/n:NtfctnId")
    assert text(xml, "n:CorpActnNtfctn/n:NtfctnGnlInf/n:NtfctnTp") == "REPL"
    assert text(xml, "n:CorpActnNtfctn/n:PrvsNtfctnId/n:Id") == first_id
    assert text(xml, "n:CorpActnNtfctn/n:NtfctnGnlInf/n:NtfctnId") == notification_id(
        "JP3152820001-DVCA-FY2016-INTERIM", 3
    )
    pmt = "n:CorpActnNtfctn/n:CorpActnOptnDtls/n:CshMvmntDtls/n:DtDtls/n:PmtDt/n:Dt"
    assert text(xml, pmt) == "2016-12-09"


def test_a_newm_resent_with_a_higher_version_is_also_a_repl() -> None:
    life, state = Lifecycle(TOPICS), PartitionState()
    feed(life, state, 0)
    [document] = documents(feed(life, state, 1, message_id="m2", version=2))
    assert text(document.value, "n:CorpActnNtfctn/n:NtfctnGnlInf/n:NtfctnTp") == "REPL"


def test_cancellation_by_the_sender_has_the_standards_reason_proc() -> None:
    life, state = Lifecycle(TOPICS), PartitionState()
    feed(life, state, 0)
    [document] = documents(feed(life, state, 1, message_id="m2", function="CANC", version=2))
    assert text(document.value, "n:CorpActnCxlAdvc/n:CxlAdvcGnlInf/n:CxlRsnCd", NS39) == "PROC"
    strictly_valid(document.value)


def test_duplicates_stale_versions_and_date_events_write_no_document() -> None:
    life, state = Lifecycle(TOPICS), PartitionState()
    feed(life, state, 0)
    assert documents(feed(life, state, 1)) == []  # same message_id: duplicate
    assert documents(feed(life, state, 2, message_id="old")) == []  # version 1 again: stale
    later = life.on_tick(state, dt.datetime(2017, 1, 1, tzinfo=dt.UTC))
    assert documents(notified(state, later)) == []


def test_same_input_gives_the_same_document() -> None:
    a = documents(feed(Lifecycle(TOPICS), PartitionState(), 0))
    b = documents(feed(Lifecycle(TOPICS), PartitionState(), 7))
    assert a == b


# -- content: market practice for a mandatory cash dividend -------------------------------


def test_without_an_isin_the_local_code_is_an_alternate_identifier_from_its_market() -> None:
    r = iij(security={"local_code": "3774", "mic": "XTKS"}, other_listings=[])
    xml = notification(r, IIJ_EX_DATE).xml
    strictly_valid(xml)
    fin = "n:CorpActnNtfctn/n:CorpActnGnlInf/n:UndrlygScty/n:FinInstrmId"
    assert text(xml, f"{fin}/n:ISIN") is None
    assert text(xml, f"{fin}/n:OthrId/n:Id") == "3774"
    assert text(xml, f"{fin}/n:OthrId/n:Tp/n:Prtry") == "XTKS"


def test_unknown_payment_date_is_ukwn_and_the_event_incomplete() -> None:
    xml = notification(iij(payment_date=None), IIJ_EX_DATE).xml
    strictly_valid(xml)
    cash = "n:CorpActnNtfctn/n:CorpActnOptnDtls/n:CshMvmntDtls"
    assert text(xml, f"{cash}/n:DtDtls/n:PmtDt/n:DtCd/n:Cd") == "UKWN"
    assert text(xml, f"{cash}/n:DtDtls/n:PmtDt/n:Dt") is None
    status = "n:CorpActnNtfctn/n:NtfctnGnlInf/n:PrcgSts/n:Cd"
    assert text(xml, f"{status}/n:EvtCmpltnsSts") == "INCO"


def test_unknown_ex_date_is_ukwn() -> None:
    xml = notification(iij(), None).xml
    strictly_valid(xml)
    assert text(xml, "n:CorpActnNtfctn/n:CorpActnDtls/n:DtDtls/n:ExDvddDt/n:DtCd/n:Cd") == "UKWN"


def test_awaiting_agm_approval_is_unconfirmed() -> None:
    xml = notification(iij(subject_to_approval=True, dividend_type="year_end"), IIJ_EX_DATE).xml
    status = "n:CorpActnNtfctn/n:NtfctnGnlInf/n:PrcgSts/n:Cd"
    assert text(xml, f"{status}/n:EvtConfSts") == "UCON"
    assert text(xml, "n:CorpActnNtfctn/n:CorpActnDtls/n:DvddTp/n:Cd") == "FINL"


def test_paid_from_capital_surplus_is_capd_with_no_dividend_type() -> None:
    xml = notification(iij(source_of_funds="capital_surplus"), IIJ_EX_DATE).xml
    strictly_valid(xml)
    assert text(xml, "n:CorpActnNtfctn/n:CorpActnGnlInf/n:EvtTp/n:Cd") == "CAPD"
    assert text(xml, "n:CorpActnNtfctn/n:CorpActnDtls/n:DvddTp/n:Cd") is None


@pytest.mark.parametrize(
    ("dividend_type", "code"),
    [("interim", "INTE"), ("year_end", "FINL"), ("special", "SPEC"), ("regular", "REGR"),
     ("quarterly", "REGR")],
)  # fmt: skip
def test_dividend_type_codes(dividend_type: str, code: str) -> None:
    xml = notification(iij(dividend_type=dividend_type), IIJ_EX_DATE).xml
    assert text(xml, "n:CorpActnNtfctn/n:CorpActnDtls/n:DvddTp/n:Cd") == code


def test_official_reference_of_16_characters_is_carried() -> None:
    xml = notification(iij(official_reference="JP-3774-2016-INT"), IIJ_EX_DATE).xml
    strictly_valid(xml)
    ref = "n:CorpActnNtfctn/n:CorpActnGnlInf/n:OffclCorpActnEvtId"
    assert text(xml, ref) == "JP-3774-2016-INT"


def test_gross_rate_keeps_every_digit_without_trailing_zeros() -> None:
    amt = "n:CorpActnNtfctn/n:CorpActnOptnDtls/n:CshMvmntDtls/n:RateAndAmtDtls/n:GrssDvddRate/n:Amt"
    for given_rate, written in [("13.50", "13.5"), ("1500", "1500"), ("0.2875", "0.2875"),
                                ("0.0000000000001", "0.0000000000001"), ("0", "0"),
                                ("12345.1234567890123", "12345.1234567890123")]:  # fmt: skip
        xml = notification(iij(gross_amount_per_share=given_rate), IIJ_EX_DATE).xml
        assert text(xml, amt) == written


# -- what the standard cannot express ----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"event_id": "E" * 36}, "iso20022_max_length", "event_id"),
        ({"official_reference": "R" * 17}, "iso20022_max_length", "official_reference"),
        ({"official_reference": "R\u0008"}, "iso20022_xml_char", "official_reference"),
        ({"security": {"local_code": "37\u001b4", "mic": "XTKS"}, "other_listings": []},
         "iso20022_xml_char", "security.local_code"),
        ({"event_id": "E\u0001"}, "iso20022_xml_char", "event_id"),
        ({"event_id": "E\r1"}, "iso20022_xml_char", "event_id"),
    ],
)  # fmt: skip
def test_inexpressible_resolution_keeps_its_json_event_and_dead_letters_the_notification(
    changes: dict[str, Any], code: str, field: str
) -> None:
    life, state = Lifecycle(TOPICS), PartitionState()
    outcome = feed(life, state, 4, **changes)
    assert outcome.verdict is Verdict.SCHEDULED  # the JSON events stand
    assert [o.event_type for o in outcome.outputs if o.topic == TOPICS.schedules] == [
        "DividendScheduled"
    ]
    assert documents(outcome) == []  # never a malformed document
    [letter] = letters(outcome)
    assert letter["reason"]["code"] == "iso20022_restriction"
    assert outcome.reason == "iso20022_restriction"
    assert {(e["code"], e["field"]) for e in letter["reason"]["errors"]} == {(code, field)}
    assert field in letter["reason"]["message"]
    # it names the schedule event it came from: where it was read, and its id
    [event] = [o for o in outcome.outputs if o.topic == TOPICS.schedules]
    assert (letter["source_topic"], letter["source_partition"], letter["source_offset"]) == (
        TOPICS.schedules,
        0,
        0,
    )
    assert json.loads(event.value)["id"] in letter["reason"]["message"]
    assert base64.b64decode(letter["payload_base64"]) == event.value
    # a distinct, deterministic id: not the id a rejection of the same record would get
    assert letter["id"] == str(uuid.uuid5(ID_NAMESPACE, f"seev\x1f{TOPICS.schedules}\x1f0\x1f0"))


def test_event_id_of_exactly_35_characters_is_expressible() -> None:
    assert problems(iij(event_id="E" * 35)) == []
    assert problems(iij(event_id="E" * 36)) != []


def test_cancellation_of_an_inexpressible_event_is_dead_lettered_too() -> None:
    life, state = Lifecycle(TOPICS), PartitionState()
    long_id = "X" * 40
    feed(life, state, 0, event_id=long_id)
    outcome = feed(life, state, 1, event_id=long_id, message_id="m2", function="CANC", version=2)
    assert outcome.verdict is Verdict.CANCELLED
    assert documents(outcome) == []
    [letter] = letters(outcome)
    assert letter["reason"]["errors"][0]["field"] == "event_id"


def test_replacement_of_a_version_that_could_not_be_notified_goes_out_as_newm() -> None:
    life, state = Lifecycle(TOPICS), PartitionState()
    assert documents(feed(life, state, 0, official_reference="R" * 20)) == []
    [document] = documents(feed(life, state, 1, message_id="m2", function="REPL", version=2,
                                official_reference="R" * 16))  # fmt: skip
    assert text(document.value, "n:CorpActnNtfctn/n:NtfctnGnlInf/n:NtfctnTp") == "NEWM"
    assert text(document.value, "n:CorpActnNtfctn/n:PrvsNtfctnId/n:Id") is None


def test_schedule_command_reports_what_the_standard_cannot_express_and_exits_2() -> None:
    out, err = io.StringIO(), io.StringIO()
    stdin = io.StringIO(json.dumps(iij_dict(event_id="E" * 36)))
    assert print_schedule("-", out, err, stdin=stdin, fmt="seev031") == 2
    assert out.getvalue() == ""
    assert err.getvalue() == (
        "iso20022_max_length event_id: CorpActnNtfctn/CorpActnGnlInf/CorpActnEvtId: "
        "36 characters, at most 35\n"
    )


def test_schedule_command_prints_a_cancellation_advice_for_a_withdrawal() -> None:
    out, err = io.StringIO(), io.StringIO()
    stdin = io.StringIO(json.dumps(iij_dict(function="WITH", version=2)))
    assert print_schedule("-", out, err, stdin=stdin, fmt="seev031") == 0
    golden = (GOLDEN / "seev039.iij-fy2016-interim-withdrawn.xml").read_bytes()
    assert out.getvalue().encode() == golden


# -- the restriction checker and the writer, on their own ------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("13.50", (3, 1)), ("1500", (4, 0)), ("1.5E+3", (4, 0)), ("0.05", (2, 2)), ("0", (1, 0)),
     ("0.000", (1, 0)), ("-12.340", (4, 2)), ("1" * 40 + ".5", (41, 1))],
)  # fmt: skip
def test_digits_counts_as_xsd_does(value: str, expected: tuple[int, int]) -> None:
    assert digits(Decimal(value)) == expected


def test_checker_finds_missing_required_elements_broken_choices_codes_and_patterns() -> None:
    document = seev031_document(iij(), IIJ_EX_DATE)
    body = document.corp_actn_ntfctn
    body.acct_dtls = None  # required
    body.corp_actn_gnl_inf.evt_tp = n31.CorporateActionEventType84ChoiceSeev03100114()  # no alt
    body.corp_actn_gnl_inf.undrlyg_scty.fin_instrm_id.isin = "jp3152820001"  # pattern
    body.ntfctn_gnl_inf.ntfctn_tp = "NEWM"  # a str, not the code list's member
    found = {(v.element, v.rule) for v in check(document)}
    assert found == {
        ("CorpActnNtfctn/AcctDtls", "required"),
        ("CorpActnNtfctn/CorpActnGnlInf/EvtTp", "choice"),
        ("CorpActnNtfctn/CorpActnGnlInf/UndrlygScty/FinInstrmId/ISIN", "pattern"),
        ("CorpActnNtfctn/NtfctnGnlInf/NtfctnTp", "code"),
    }


def test_order_check_finds_unknown_misplaced_and_repeated_elements() -> None:
    xml = (GOLDEN / "seev031.iij-fy2016-interim.xml").read_bytes()
    swapped = xml.replace(b"<OptnNb>001</OptnNb>", b"").replace(
        b"<CcyOptn>JPY</CcyOptn>", b"<CcyOptn>JPY</CcyOptn><OptnNb>001</OptnNb><Bogus/>"
    )
    errors = element_order_errors(swapped, Seev031Document, SEEV031_NS)
    assert any("OptnNb: out of the schema's sequence order" in e for e in errors)
    assert any("Bogus: not an element" in e for e in errors)
    twice = xml.replace(b"<CcyOptn>JPY</CcyOptn>", b"<CcyOptn>JPY</CcyOptn>" * 2)
    errors = element_order_errors(twice, Seev031Document, SEEV031_NS)
    assert any("may occur once" in e for e in errors)


_xml_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"),
    min_size=1,
    max_size=35,
).filter(lambda s: all(c in "\t\n" or 0x20 <= ord(c) < 0xFFFE for c in s))


@settings(max_examples=150, deadline=None)
@given(
    event_id=_xml_text,
    isin=st.booleans(),
    payment=st.booleans(),
    approval=st.booleans(),
    capital=st.booleans(),
    reference=st.none() | st.text(alphabet="ABC-/&<>'\"012", min_size=1, max_size=16),
    rate=st.decimals(min_value=0, max_value=Decimal("99999"), places=4, allow_nan=False),
    previous=st.none() | st.integers(min_value=1, max_value=9),
    function=st.sampled_from(["NEWM", "REPL", "CANC", "WITH"]),
)
def test_writer_equals_xsdata_for_every_shape_and_text(
    event_id: str,
    isin: bool,
    payment: bool,
    approval: bool,
    capital: bool,
    reference: str | None,
    rate: Decimal,
    previous: int | None,
    function: str,
) -> None:
    security = {"isin": "JP3152820001", "mic": "XTKS"}
    if not isin:
        security = {"local_code": "A&<1", "mic": "XNYS"}
    r = iij(
        event_id=event_id,
        security=security,
        payment_date="2016-12-06" if payment else None,
        subject_to_approval=approval,
        source_of_funds="capital_surplus" if capital else "retained_earnings",
        official_reference=reference,
        gross_amount_per_share=str(rate),
        function=function,
        version=10,
    )
    ex_date = IIJ_EX_DATE if payment else None
    if function in ("CANC", "WITH"):
        document, ns = seev039_document(r), SEEV039_NS
        templated = seev.cancellation_advice(r).xml
    else:
        document, ns = seev031_document(r, ex_date, previous), SEEV031_NS
        templated = notification(r, ex_date, previous).xml
    xml, found = render(document, ns)
    assert found == []
    assert xml.encode() == xsdata_xml(document, ns)
    assert templated == xml.encode()
    strictly_valid(xml.encode())


# -- the template path: each shape rendered once, filled per document -------------------------


def generic(document: Any, ns: str, resolution: BoardResolution) -> bytes | Inexpressible:
    """What the generic path (build the whole tree, walk it) gives: the XML or the error."""
    try:
        return seev._checked(document, ns, resolution)
    except Inexpressible as exc:
        return exc


def fast_notification(
    resolution: BoardResolution, ex_date: dt.date | None, previous: int | None = None
) -> bytes | Inexpressible:
    try:
        return notification(resolution, ex_date, previous).xml
    except Inexpressible as exc:
        return exc


def same(a: bytes | Inexpressible, b: bytes | Inexpressible) -> bool:
    if isinstance(a, Inexpressible) and isinstance(b, Inexpressible):
        return (str(a), a.errors) == (str(b), b.errors)
    return a == b


def no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail a test whose valid documents would not take the template path."""

    def fallback(*args: Any) -> bytes:
        raise AssertionError("the template path fell back to the generic one")

    monkeypatch.setattr(seev, "_checked", fallback)


_SHAPES = list(
    itertools.product(
        [None, 2],  # previous: NEWM / REPL
        [None, "JP-3774&<>'\"/A"],  # official_reference (escaped characters)
        [True, False],  # ISIN / local code
        [IIJ_EX_DATE, None],
        ["2016-12-06", None],  # payment_date
        ["retained_earnings", "capital_surplus"],  # DVCA / CAPD
        ["interim", "year_end", "special", "regular", "quarterly"],
        [True, False],  # subject_to_approval
    )
)


def shaped(
    reference: str | None, isin: bool, payment: str | None, source: str, kind: str,
    approval: bool, **changes: Any,
) -> BoardResolution:  # fmt: skip
    security = {"isin": "JP3152820001", "mic": "XTKS"} if isin else {
        "local_code": "A&<1>\"'", "mic": "XNYS"}  # fmt: skip
    return iij(security=security, official_reference=reference, payment_date=payment,
               source_of_funds=source, dividend_type=kind, subject_to_approval=approval,
               version=10, **changes)  # fmt: skip


def test_template_path_writes_the_generic_writers_bytes_for_every_shape() -> None:
    seen = 0
    for previous, reference, isin, ex_date, payment, source, kind, approval in _SHAPES:
        r = shaped(reference, isin, payment, source, kind, approval)
        xml = notification(r, ex_date, previous).xml
        expected, found = render(seev031_document(r, ex_date, previous), SEEV031_NS)
        assert found == []
        assert xml == expected.encode()
        if seen % 16 == 0:  # xsdata takes milliseconds: a sample of the shapes
            assert xml == xsdata_xml(seev031_document(r, ex_date, previous), SEEV031_NS)
        seen += 1
    assert seen == len(_SHAPES)


def test_template_path_is_taken_for_every_valid_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    no_fallback(monkeypatch)
    for previous, reference, isin, ex_date, payment, source, kind, approval in _SHAPES:
        notification(shaped(reference, isin, payment, source, kind, approval), ex_date, previous)
        r = shaped(reference, isin, payment, source, kind, approval, function="WITH")
        seev.cancellation_advice(r)


def test_template_path_equals_the_generic_writer_over_varied_resolutions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolutions = [BoardResolution.model_validate_json(b) for b in synthetic(300, seed=19)]
    expected = [
        render(seev031_document(r, r.record_date - dt.timedelta(days=i % 3), i % 4 or None),
               SEEV031_NS)[0].encode()
        for i, r in enumerate(resolutions)
    ]  # fmt: skip
    cancellations = [render(seev039_document(r), SEEV039_NS)[0].encode() for r in resolutions]
    no_fallback(monkeypatch)
    for i, r in enumerate(resolutions):
        ex_date = r.record_date - dt.timedelta(days=i % 3)
        assert notification(r, ex_date, i % 4 or None).xml == expected[i]
        assert seev.cancellation_advice(r).xml == cancellations[i]


def _security(**changes: Any) -> dict[str, Any]:
    return {"security": iij().security.model_copy(update=changes)}


# Values the contract refuses are given with model_copy: the notification holds to the
# standard's restrictions whatever it is handed.
@pytest.mark.parametrize(
    "changes",
    [
        {"event_id": "E" * 36},
        {"event_id": "E\u0001"},
        {"event_id": "E\r1"},
        {"event_id": ""},
        {"official_reference": "R" * 17},
        {"official_reference": "R" * 36},
        {"official_reference": "R\u0008"},
        {"official_reference": "R" * 17, "event_id": "E" * 40},
        _security(isin=None, local_code="37\u001b4"),
        _security(isin=None, local_code="L" * 36),
        _security(isin=None, local_code=None),
        _security(isin="jp3152820001"),
        _security(mic="xtks"),
        {"currency": "Yen"},
        {"gross_amount_per_share": Decimal("0.12345678901234")},
        {"gross_amount_per_share": Decimal("1234567890123456789")},
        {"gross_amount_per_share": Decimal("-1")},
    ],
)
def test_template_path_raises_the_generic_paths_inexpressible(changes: dict[str, Any]) -> None:
    r = iij().model_copy(update=changes)
    for previous, ex_date in [(None, IIJ_EX_DATE), (3, None)]:
        expected = generic(seev031_document(r, ex_date, previous), SEEV031_NS, r)
        got = fast_notification(r, ex_date, previous)
        assert same(got, expected)
    expected = generic(seev039_document(r), SEEV039_NS, r)
    try:
        got = seev.cancellation_advice(r).xml
    except Inexpressible as exc:
        got = exc
    assert same(got, expected)


def test_an_inexpressible_value_raises_whatever_was_rendered_before() -> None:
    """The template of a shape is built once; a broken value in a shape already seen,
    and a valid one after it, give the generic path's answer each time."""
    for event_id in ["E" * 35, "E" * 36, "E" * 35, "E\u0001", "E"]:
        r = iij(event_id=event_id)
        expected = generic(seev031_document(r, IIJ_EX_DATE), SEEV031_NS, r)
        assert same(fast_notification(r, IIJ_EX_DATE), expected)


# -- documentation ---------------------------------------------------------------------------


def test_readme_and_asyncapi_print_every_element_and_its_source() -> None:
    root = Path(__file__).resolve().parents[2]
    readme = (root / "docs" / "iso20022.md").read_text()
    asyncapi = json.loads((root / "schemas" / "asyncapi.json").read_text())
    messages = asyncapi["components"]["messages"]
    for name, rows in [
        ("CorporateActionNotification", SEEV031_FIELDS),
        ("CorporateActionCancellationAdvice", SEEV039_FIELDS),
    ]:
        for element, source in rows:
            assert f"| `{element}` | {source} |" in readme
        assert messages[name]["x-iso20022-mapping"] == [
            {"element": e, "source": s} for e, s in rows
        ]
        assert messages[name]["contentType"] == "application/xml"
    channel = asyncapi["channels"]["notifications"]
    assert channel["address"] == "corporate-actions.notifications.seev031.v1"
