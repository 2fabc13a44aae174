"""A board resolution as the ISO 20022 messages custodians take in for a cash dividend.

- `notification`: seev.031.001.14 CorporateActionNotification, NEWM for an action's
  first schedule, REPL (linked to the previous notification) for a replacement;
- `cancellation_advice`: seev.039.001.12 CorporateActionCancellationAdvice for a
  cancellation (CANC) or a withdrawal by the issuer (WITH).

The documents are instances of the classes generated from the standard's XSDs
(`generated`), checked against every restriction those classes carry
(`restrictions`) and serialized as xsdata does (`writer`). Per resolution, only the
values are derived (`_Seev031Values`): the document's shape is rendered once as a
template (`_template`) and filled with them, each checked against the field it goes
into; a value that does not pass sends the resolution through the whole instance
(`_checked`), which names every problem. A resolution the standard cannot express
(an ``event_id`` over 35 characters, a rate with more than 13 decimals...) raises
`Inexpressible`, naming the contract field and the element: never a malformed
document.

The content follows the SMPG global market practice for a mandatory cash dividend
(DVCA; CAPD when paid from capital surplus), as an issuer-side announcement: it names
no account (``ForAllAccts/GENR``), carries one CASH option (the default), and gives a
date not known yet as unknown (``UKWN``). `SEEV031_FIELDS` and `SEEV039_FIELDS` say
which element is filled from which contract field (docs/iso20022.md and the AsyncAPI document
print them).

Identifiers are deterministic (the same input gives the same document): the
notification's own id (``NtfctnId``) is derived from the event id and version, 16
characters so that it also fits ISO 15022's SEME (16x) for custodians that convert to
MT564.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, Final, NamedTuple

from xsdata.formats.dataclass.context import XmlContext
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig
from xsdata.models.datatype import XmlDate

from corpactions.contracts.board_resolution import BoardResolution, DividendType
from corpactions.contracts.events import deterministic_id
from corpactions.domain import SourceOfFunds
from corpactions.notifications.generated import (
    SEEV031,
    SEEV031_NS,
    SEEV039,
    SEEV039_NS,
    Seev031Document,
    Seev039Document,
    n31,
    n39,
)
from corpactions.notifications.restrictions import Violation
from corpactions.notifications.writer import Slot, Template, render, template

NOTIFICATION_ID_LENGTH: Final = 16  # fits Max35Text and ISO 15022 SEME (16x)
# SMPG market practice and ISO 15022 (MT564 :20C::COAF//16x): the official corporate
# action reference has at most 16 characters, though seev.031's OffclCorpActnEvtId is a
# Max35Text.
OFFICIAL_REFERENCE_MAX: Final = 16

_NEWM, _REPL = "NEWM", "REPL"


class Document(NamedTuple):
    """One serialized ISO 20022 document and what identifies it."""

    message: str  # message definition: seev.031.001.14 or seev.039.001.12
    function: str  # NEWM, REPL (seev.031); WITH, PROC (seev.039: the cancellation reason)
    notification_id: str | None  # seev.031 NtfctnId; a seev.039 carries none
    xml: bytes


class Inexpressible(Exception):
    """The resolution is valid for the service but the standard cannot express it.

    ``errors``: one per broken restriction, each with ``code`` (``iso20022_`` + the
    facet: ``max_length``, ``pattern``, ``fraction_digits``...), ``field`` (the contract
    field), ``element`` (its place in the document) and ``message``.
    """

    def __init__(self, message: str, errors: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.errors = errors


# (element below Document, the contract field or rule that fills it): docs/iso20022.md and the
# AsyncAPI document print these; a broken restriction is reported with the field.
_N = "CorpActnNtfctn"
SEEV031_FIELDS: Final[tuple[tuple[str, str], ...]] = (
    (f"{_N}/NtfctnGnlInf/NtfctnId", "derived from event_id and version (16 characters)"),
    (f"{_N}/NtfctnGnlInf/NtfctnTp", "NEWM for an action's first schedule, REPL after"),
    (f"{_N}/NtfctnGnlInf/PrcgSts/Cd/EvtCmpltnsSts", "payment_date: COMP, INCO when null"),
    (f"{_N}/NtfctnGnlInf/PrcgSts/Cd/EvtConfSts", "subject_to_approval: UCON, else CONF"),
    (f"{_N}/PrvsNtfctnId/Id", "REPL only: the NtfctnId of the version it replaces"),
    (f"{_N}/CorpActnGnlInf/CorpActnEvtId", "event_id"),
    (f"{_N}/CorpActnGnlInf/OffclCorpActnEvtId", "official_reference (omitted when null)"),
    (f"{_N}/CorpActnGnlInf/EvtPrcgTp/Cd", "DISN (a distribution)"),
    (f"{_N}/CorpActnGnlInf/EvtTp/Cd", "source_of_funds: DVCA, CAPD for capital_surplus"),
    (f"{_N}/CorpActnGnlInf/MndtryVlntryEvtTp/Cd", "MAND"),
    (f"{_N}/CorpActnGnlInf/UndrlygScty/FinInstrmId/ISIN", "security.isin"),
    (
        f"{_N}/CorpActnGnlInf/UndrlygScty/FinInstrmId/OthrId/Id",
        "security.local_code, only when there is no ISIN",
    ),
    (
        f"{_N}/CorpActnGnlInf/UndrlygScty/FinInstrmId/OthrId/Tp/Prtry",
        "security.mic (the market of the local code)",
    ),
    (f"{_N}/CorpActnGnlInf/UndrlygScty/PlcOfListg/MktIdrCd", "security.mic"),
    (f"{_N}/AcctDtls/ForAllAccts/IdCd", "GENR (for all accounts)"),
    (f"{_N}/CorpActnDtls/DtDtls/AnncmntDt/Dt/Dt", "resolved_on"),
    (
        f"{_N}/CorpActnDtls/DtDtls/ExDvddDt",
        "the primary listing's computed ex_date (Dt; DtCd/Cd UKWN if not known)",
    ),
    (f"{_N}/CorpActnDtls/DtDtls/RcrdDt/Dt", "record_date"),
    (
        f"{_N}/CorpActnDtls/DvddTp/Cd",
        "dividend_type (DVCA only): interim INTE, year_end FINL, special SPEC, "
        "regular and quarterly REGR",
    ),
    (f"{_N}/CorpActnOptnDtls/OptnNb", "001 (the one option)"),
    (f"{_N}/CorpActnOptnDtls/OptnTp/Cd", "CASH"),
    (f"{_N}/CorpActnOptnDtls/CcyOptn", "currency"),
    (f"{_N}/CorpActnOptnDtls/DfltPrcgOrStgInstr/DfltOptnInd", "true"),
    (f"{_N}/CorpActnOptnDtls/CshMvmntDtls/CdtDbtInd", "CRDT"),
    (
        f"{_N}/CorpActnOptnDtls/CshMvmntDtls/DtDtls/PmtDt",
        "payment_date (Dt; DtCd/Cd UKWN when null)",
    ),
    (
        f"{_N}/CorpActnOptnDtls/CshMvmntDtls/RateAndAmtDtls/GrssDvddRate/Amt",
        "gross_amount_per_share (GRSS), at most 13 decimals and 18 digits",
    ),
    (
        f"{_N}/CorpActnOptnDtls/CshMvmntDtls/RateAndAmtDtls/GrssDvddRate/Amt/@Ccy",
        "currency",
    ),
)

_C = "CorpActnCxlAdvc"
SEEV039_FIELDS: Final[tuple[tuple[str, str], ...]] = (
    (f"{_C}/CxlAdvcGnlInf/CxlRsnCd", "function: WITH (withdrawn by the issuer), CANC -> PROC"),
    (f"{_C}/CxlAdvcGnlInf/PrcgSts/EvtCmpltnsSts", "payment_date: COMP, INCO when null"),
    (f"{_C}/CxlAdvcGnlInf/PrcgSts/EvtConfSts", "subject_to_approval: UCON, else CONF"),
    (f"{_C}/CorpActnGnlInf/CorpActnEvtId", "event_id"),
    (f"{_C}/CorpActnGnlInf/OffclCorpActnEvtId", "official_reference (omitted when null)"),
    (f"{_C}/CorpActnGnlInf/EvtTp/Cd", "source_of_funds: DVCA, CAPD for capital_surplus"),
    (f"{_C}/CorpActnGnlInf/MndtryVlntryEvtTp/Cd", "MAND"),
    (f"{_C}/CorpActnGnlInf/FinInstrmId/ISIN", "security.isin"),
    (
        f"{_C}/CorpActnGnlInf/FinInstrmId/OthrId/Id",
        "security.local_code, only when there is no ISIN",
    ),
    (f"{_C}/CorpActnGnlInf/FinInstrmId/OthrId/Tp/Prtry", "security.mic"),
    (f"{_C}/AcctsDtls/ForAllAccts/IdCd", "GENR (for all accounts)"),
    (f"{_C}/CorpActnDtls/DtDtls/RcrdDt/Dt", "record_date"),
)

# Which contract field a broken restriction comes from (the element's path, longest
# prefix first); an element filled by a rule, not a field, names the rule's input.
_FIELD_OF: Final[tuple[tuple[str, str], ...]] = (
    ("CorpActnGnlInf/CorpActnEvtId", "event_id"),
    ("CorpActnGnlInf/OffclCorpActnEvtId", "official_reference"),
    ("FinInstrmId/ISIN", "security.isin"),
    ("FinInstrmId/OthrId/Id", "security.local_code"),
    ("FinInstrmId/OthrId/Tp", "security.mic"),
    ("PlcOfListg", "security.mic"),
    ("GrssDvddRate/Amt/@Ccy", "currency"),
    ("GrssDvddRate/Amt", "gross_amount_per_share"),
    ("CcyOptn", "currency"),
    ("AnncmntDt", "resolved_on"),
    ("RcrdDt", "record_date"),
    ("ExDvddDt", "record_date"),
    ("PmtDt", "payment_date"),
    ("NtfctnId", "event_id"),
)

_DIVIDEND_TYPE: Final = {
    DividendType.INTERIM: "INTE",
    DividendType.YEAR_END: "FINL",
    DividendType.SPECIAL: "SPEC",
    DividendType.REGULAR: "REGR",
    DividendType.QUARTERLY: "REGR",  # SMPG: a dividend paid at regular intervals
}

# Built once: xsdata's context caches each class's metadata on first use, so a shared
# serializer pays that once per process, not per document.
_CONTEXT: Final = XmlContext()
_SERIALIZER: Final = XmlSerializer(
    context=_CONTEXT, config=SerializerConfig(indent="  ", encoding="UTF-8")
)


def notification_id(event_id: str, version: int) -> str:
    """The seev.031 ``NtfctnId`` of an action's version: 16 hex characters of a uuid5
    over both (the same input always gives the same id)."""
    return deterministic_id(SEEV031, event_id, str(version)).replace("-", "")[
        :NOTIFICATION_ID_LENGTH
    ]


def notification(
    resolution: BoardResolution, ex_date: dt.date | None, previous: int | None = None
) -> Document:
    """seev.031: NEWM, or REPL linked to the notification of version ``previous``.

    ``ex_date``: the primary listing's ex-date as the dividend core computed it (None:
    not known, given as UKWN). Raises `Inexpressible`.
    """
    values = _seev031_values(resolution, ex_date, previous)
    xml = _xml(_seev031_tree, values, SEEV031_NS, resolution)
    return Document(SEEV031, values.function.value, values.own_id, xml)


def seev031_document(
    resolution: BoardResolution, ex_date: dt.date | None, previous: int | None = None
) -> Any:
    """The seev.031 of `notification` as an instance of the generated classes (not
    checked)."""
    return _seev031_tree(_seev031_values(resolution, ex_date, previous))


class _Seev031Values(NamedTuple):
    """What a seev.031 says of one resolution, as the generated classes hold it (codes as
    their enum members, dates as XmlDate); `_seev031_tree` places them."""

    own_id: str
    function: Any  # NEWM, REPL
    completeness: Any
    confirmation: Any
    previous_id: str | None  # REPL: the NtfctnId it replaces
    event_id: str
    official_reference: str | None
    event_type: Any
    isin: str | None
    local_code: str | None  # when there is no ISIN
    mic: str
    resolved_on: XmlDate
    record_date: XmlDate | None
    ex_date: XmlDate | None
    dividend_type: Any  # None for CAPD
    currency: str
    payment_date: XmlDate | None
    rate: Decimal


def _seev031_values(
    resolution: BoardResolution, ex_date: dt.date | None, previous: int | None
) -> _Seev031Values:
    security = resolution.security
    return _Seev031Values(
        own_id=notification_id(resolution.event_id, resolution.version),
        function=n31.CorporateActionNotificationType1Code(_NEWM if previous is None else _REPL),
        completeness=_completeness(n31, resolution),
        confirmation=_confirmation(n31, resolution),
        previous_id=None if previous is None else notification_id(resolution.event_id, previous),
        event_id=resolution.event_id,
        official_reference=resolution.official_reference,
        event_type=_event_type(n31, resolution),
        isin=security.isin,
        local_code=security.local_code if security.isin is None else None,
        mic=security.mic,
        resolved_on=_date(resolution.resolved_on),
        record_date=_date_or_none(resolution.record_date),
        ex_date=_date_or_none(ex_date),
        dividend_type=_dividend_type(resolution),
        currency=resolution.currency,
        payment_date=_date_or_none(resolution.payment_date),
        rate=_decimal(resolution.gross_amount_per_share),
    )


def _seev031_tree(v: _Seev031Values) -> Any:
    """The seev.031 holding ``v``. It decides only on what `_shape` keeps (which values
    are absent, the codes), never on a text, date or decimal: one template per shape
    then writes every document of that shape."""
    link = None
    if v.previous_id is not None:
        link = n31.DocumentIdentification31Seev03100114(id=v.previous_id)
    body = n31.CorporateActionNotificationV14Seev03100114(
        ntfctn_gnl_inf=n31.CorporateActionNotification9Seev03100114(
            ntfctn_id=v.own_id,
            ntfctn_tp=v.function,
            prcg_sts=n31.CorporateActionProcessingStatus5ChoiceSeev03100114(
                cd=n31.CorporateActionEventStatus1Seev03100114(
                    evt_cmpltns_sts=v.completeness,
                    evt_conf_sts=v.confirmation,
                )
            ),
        ),
        prvs_ntfctn_id=link,
        corp_actn_gnl_inf=n31.CorporateActionGeneralInformation165Seev03100114(
            corp_actn_evt_id=v.event_id,
            offcl_corp_actn_evt_id=v.official_reference,
            evt_prcg_tp=n31.CorporateActionEventProcessingType2ChoiceSeev03100114(
                cd=n31.CorporateActionEventProcessingType1Code.DISN
            ),
            evt_tp=n31.CorporateActionEventType84ChoiceSeev03100114(cd=v.event_type),
            mndtry_vlntry_evt_tp=n31.CorporateActionMandatoryVoluntary3ChoiceSeev03100114(
                cd=n31.CorporateActionMandatoryVoluntary1Code.MAND
            ),
            undrlyg_scty=n31.FinancialInstrumentAttributes108Seev03100114(
                fin_instrm_id=_security(n31, "Seev03100114", v.isin, v.local_code, v.mic),
                plc_of_listg=n31.MarketIdentification3ChoiceSeev03100114(mkt_idr_cd=v.mic),
            ),
        ),
        acct_dtls=n31.AccountIdentification56ChoiceSeev03100114(
            for_all_accts=n31.AccountIdentification10Seev03100114(
                id_cd=n31.SafekeepingAccountIdentification1Code.GENR
            )
        ),
        corp_actn_dtls=n31.CorporateAction80Seev03100114(
            dt_dtls=n31.CorporateActionDate83Seev03100114(
                anncmnt_dt=n31.DateFormat43ChoiceSeev03100114(
                    dt=n31.DateAndDateTime2ChoiceSeev03100114(dt=v.resolved_on)
                ),
                rcrd_dt=_date_or_unknown(n31, v.record_date),
                ex_dvdd_dt=_date_or_unknown(n31, v.ex_date),
            ),
            dvdd_tp=(
                None
                if v.dividend_type is None
                else n31.DividendTypeFormat9ChoiceSeev03100114(cd=v.dividend_type)
            ),
        ),
        corp_actn_optn_dtls=[
            n31.CorporateActionOption224Seev03100114(
                optn_nb="001",
                optn_tp=n31.CorporateActionOption37ChoiceSeev03100114(
                    cd=n31.CorporateActionOption15Code.CASH
                ),
                ccy_optn=v.currency,
                dflt_prcg_or_stg_instr=n31.DefaultProcessingOrStandingInstruction1ChoiceSeev03100114(
                    dflt_optn_ind=True
                ),
                csh_mvmnt_dtls=[
                    n31.CashOption96Seev03100114(
                        cdt_dbt_ind=n31.CreditDebitCode.CRDT,
                        dt_dtls=n31.CorporateActionDate84Seev03100114(
                            pmt_dt=_date_or_unknown(n31, v.payment_date)
                        ),
                        rate_and_amt_dtls=n31.Rate36Seev03100114(
                            grss_dvdd_rate=[
                                n31.GrossDividendRateFormat38ChoiceSeev03100114(
                                    amt=n31.ActiveCurrencyAnd13DecimalAmountSeev03100114(
                                        value=v.rate, ccy=v.currency
                                    )
                                )
                            ]
                        ),
                    )
                ],
            )
        ],
    )
    return Seev031Document(corp_actn_ntfctn=body)


def cancellation_advice(resolution: BoardResolution) -> Document:
    """seev.039 for a CANC or WITH resolution; its reason is the standard's code:
    WITH (withdrawn by the issuer) for WITH, otherwise PROC (the only other code of
    CorporateActionCancellationReason1Code: cancelled by the sender). Raises
    `Inexpressible`."""
    values = _seev039_values(resolution)
    xml = _xml(_seev039_tree, values, SEEV039_NS, resolution)
    return Document(SEEV039, values.reason.value, None, xml)


def seev039_document(resolution: BoardResolution) -> Any:
    """The seev.039 of `cancellation_advice` as an instance of the generated classes
    (not checked)."""
    return _seev039_tree(_seev039_values(resolution))


class _Seev039Values(NamedTuple):
    """What a seev.039 says of one resolution (as `_Seev031Values`)."""

    reason: Any  # WITH, PROC
    completeness: Any
    confirmation: Any
    event_id: str
    official_reference: str | None
    event_type: Any
    isin: str | None
    local_code: str | None
    mic: str
    record_date: XmlDate


def _seev039_values(resolution: BoardResolution) -> _Seev039Values:
    security = resolution.security
    return _Seev039Values(
        reason=n39.CorporateActionCancellationReason1Code(
            "WITH" if resolution.function == "WITH" else "PROC"
        ),
        completeness=_completeness(n39, resolution),
        confirmation=_confirmation(n39, resolution),
        event_id=resolution.event_id,
        official_reference=resolution.official_reference,
        event_type=_event_type(n39, resolution),
        isin=security.isin,
        local_code=security.local_code if security.isin is None else None,
        mic=security.mic,
        record_date=_date(resolution.record_date),
    )


def _seev039_tree(v: _Seev039Values) -> Any:
    """The seev.039 holding ``v`` (deciding as `_seev031_tree` does)."""
    body = n39.CorporateActionCancellationAdviceV12Seev03900112(
        cxl_advc_gnl_inf=n39.CorporateActionCancellation3Seev03900112(
            cxl_rsn_cd=v.reason,
            prcg_sts=n39.CorporateActionEventStatus1Seev03900112(
                evt_cmpltns_sts=v.completeness,
                evt_conf_sts=v.confirmation,
            ),
        ),
        corp_actn_gnl_inf=n39.CorporateActionGeneralInformation135Seev03900112(
            corp_actn_evt_id=v.event_id,
            offcl_corp_actn_evt_id=v.official_reference,
            evt_tp=n39.CorporateActionEventType84ChoiceSeev03900112(cd=v.event_type),
            mndtry_vlntry_evt_tp=n39.CorporateActionMandatoryVoluntary3ChoiceSeev03900112(
                cd=n39.CorporateActionMandatoryVoluntary1Code.MAND
            ),
            fin_instrm_id=_security(n39, "Seev03900112", v.isin, v.local_code, v.mic),
        ),
        accts_dtls=n39.AccountIdentification49ChoiceSeev03900112(
            for_all_accts=n39.AccountIdentification10Seev03900112(
                id_cd=n39.SafekeepingAccountIdentification1Code.GENR
            )
        ),
        corp_actn_dtls=n39.CorporateAction72Seev03900112(
            dt_dtls=n39.CorporateActionDate86Seev03900112(
                rcrd_dt=n39.DateFormat30ChoiceSeev03900112(dt=v.record_date)
            )
        ),
    )
    return Seev039Document(corp_actn_cxl_advc=body)


def problems(resolution: BoardResolution) -> list[dict[str, str]]:
    """What the standard cannot express of ``resolution`` (as `Inexpressible.errors`);
    [] when a notification of it can be written."""
    try:
        notification(resolution, None)
    except Inexpressible as exc:
        return exc.errors
    return []


# -- pieces ----------------------------------------------------------------------------


def _completeness(m: Any, resolution: BoardResolution) -> Any:
    """SMPG: complete once every key date and the rate are known (here: the payment date;
    the rate and the record date are required by the contract)."""
    return (
        m.EventCompletenessStatus1Code.COMP
        if resolution.payment_date
        else (m.EventCompletenessStatus1Code.INCO)
    )


def _confirmation(m: Any, resolution: BoardResolution) -> Any:
    """Unconfirmed while a year-end dividend awaits the AGM's approval."""
    if resolution.subject_to_approval:
        return m.EventConfirmationStatus1Code.UCON
    return m.EventConfirmationStatus1Code.CONF


def _event_type(m: Any, resolution: BoardResolution) -> Any:
    if resolution.source_of_funds == SourceOfFunds.CAPITAL_SURPLUS:
        return m.CorporateActionEventType31Code.CAPD
    return m.CorporateActionEventType31Code.DVCA


def _dividend_type(resolution: BoardResolution) -> Any:
    """The dividend's place in the fiscal year; given for DVCA only (a capital
    distribution has no dividend type in the market practice)."""
    if resolution.source_of_funds == SourceOfFunds.CAPITAL_SURPLUS:
        return None
    return n31.CorporateActionFrequencyType5Code(_DIVIDEND_TYPE[resolution.dividend_type])


def _security(m: Any, suffix: str, isin: str | None, local_code: str | None, mic: str) -> Any:
    """The ISIN; without one, the local code as an alternate identifier whose source is
    the market (its MIC) that assigned it."""
    identification = getattr(m, f"SecurityIdentification19{suffix}")
    if isin is not None:
        return identification(isin=isin)
    other = getattr(m, f"OtherIdentification1{suffix}")
    source = getattr(m, f"IdentificationSource3Choice{suffix}")
    return identification(othr_id=[other(id=local_code, tp=source(prtry=mic))])


def _date(day: dt.date) -> XmlDate:
    return XmlDate.from_date(day)


def _date_or_none(day: dt.date | None) -> XmlDate | None:
    return None if day is None else XmlDate.from_date(day)


def _date_or_unknown(m: Any, day: XmlDate | None) -> Any:
    """A date, or the code UKWN when it is not known yet (DateFormat30Choice)."""
    suffix = "Seev03100114" if m is n31 else "Seev03900112"
    choice = getattr(m, f"DateFormat30Choice{suffix}")
    if day is not None:
        return choice(dt=day)
    code = getattr(m, f"DateCode19Choice{suffix}")
    return choice(dt_cd=code(cd=m.DateType8Code.UKWN))


def _decimal(value: Decimal) -> Decimal:
    """The value without trailing fraction zeros (13.50 -> 13.5; 1500 stays 1500):
    xs:decimal's canonical form. Exact: `Decimal.normalize` would round to the context's
    precision."""
    sign, numerals, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: the contract refuses NaN and infinity
    kept = list(numerals)
    while exponent < 0 and len(kept) > 1 and kept[-1] == 0:
        kept.pop()
        exponent += 1
    if kept == [0]:
        exponent = 0
    return Decimal((sign, tuple(kept), exponent))


def _field_of(element: str) -> str:
    for suffix, name in _FIELD_OF:
        if suffix in element:
            return name
    return "-"


def _xml(
    tree: Callable[[Any], Any], values: NamedTuple, namespace: str, resolution: BoardResolution
) -> bytes:
    """The XML of the document ``tree`` builds from ``values``, as `_checked` writes it,
    or the `Inexpressible` it raises.

    Fast: the template of the document's shape filled with the values, each checked
    against the field it goes into. When anything does not pass, the document is built
    and checked whole (`_checked`), which finds every broken restriction and reports
    them all: this path only decides that there are none.
    """
    if _within_market_practice(resolution.official_reference):
        xml = _template(tree, type(values), namespace, _shape(values)).fill(values)
        if xml is not None:
            return xml.encode()
    return _checked(tree(values), namespace, resolution)


class _Variable:
    """In a shape: a value that varies between documents of that shape."""


_VARIABLE: Final = _Variable()


def _shape(values: Iterable[Any]) -> tuple[Any, ...]:
    """What fixes a document's structure and codes: which values are absent (optional
    parts left out, UKWN dates) and the codes (enum members); every other value (text,
    date, decimal) is `_VARIABLE`, a slot of the template."""
    return tuple([v if v is None or isinstance(v, Enum) else _VARIABLE for v in values])


@cache
def _template(
    tree: Callable[[Any], Any], kind: type[NamedTuple], namespace: str, shape: tuple[Any, ...]
) -> Template:
    """The document of ``shape`` rendered once, its variable values left as slots. The
    shapes are few (seev.031: NEWM/REPL x official reference or not x ISIN or local code
    x ex and payment dates known or UKWN x confirmation x DVCA's four dividend types or
    CAPD, at most 320): each is built on its first use (a fraction of a millisecond)."""
    values = kind._make(Slot(i) if s is _VARIABLE else s for i, s in enumerate(shape))
    return template(tree(values), namespace)


def _within_market_practice(reference: str | None) -> bool:
    """The official reference fits ISO 15022's COAF (the check `_checked` reports)."""
    return reference is None or len(reference) <= OFFICIAL_REFERENCE_MAX


def _checked(document: Any, namespace: str, resolution: BoardResolution) -> bytes:
    """The document's XML; or `Inexpressible` with every restriction it breaks: the
    generated classes' (the XSD's) and the market practice's."""
    xml, found = render(document, namespace)
    reference = resolution.official_reference
    if reference is not None and not _within_market_practice(reference):
        root = "CorpActnNtfctn" if namespace == SEEV031_NS else "CorpActnCxlAdvc"
        found.append(
            Violation(
                f"{root}/CorpActnGnlInf/OffclCorpActnEvtId",
                "max_length",
                f"{len(reference)} characters, at most {OFFICIAL_REFERENCE_MAX} "
                "(market practice: ISO 15022 COAF is 16x)",
            )
        )
    if not found:
        return xml.encode()
    errors = [
        {
            "code": f"iso20022_{v.rule}",
            "field": _field_of(v.element),
            "element": v.element,
            "message": v.message,
        }
        for v in found
    ]
    first = errors[0]
    message = (
        f"{first['field']}: the ISO 20022 notification cannot carry it "
        f"({first['element']}: {first['message']})"
    )
    raise Inexpressible(message, errors)


def xsdata_xml(document: Any, namespace: str) -> bytes:
    """The document as xsdata's own serializer writes it (the reference `render` is
    held to, byte for byte, in the tests; slower)."""
    text: str = _SERIALIZER.render(document, ns_map={None: namespace})
    return text.encode()
