"""What the fault scenarios feed the service, and what each input must lead to.

Every expectation here is stated from the input alone, never by asking the service:
a valid resolution must give one DividendScheduled, one RecordDateReached and one
PaymentDateReached, whose schedule is what `corpactions schedule` prints for it; a bad
payload must give exactly one dead letter, with the reason it was built to break, its
key, and its bytes.

Valid resolutions carry record and payment dates in the future of the injected clock
(`CLOCK_START`), so their timers are pending while the faults strike; the scenarios
move the clock past them later.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import functools
import importlib
import io
import json
import random
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tests.support.kafka import example_resolution, security_key

# What each valid resolution must give: its events, and the ISO 20022 notification of
# its schedule (told by its ce_type header, the message definition).
SEEV031 = "seev.031.001.14"
EXPECTED_TYPES = ("DividendScheduled", "RecordDateReached", "PaymentDateReached", SEEV031)
DATE_TYPES = EXPECTED_TYPES[1:3]

# The workers' "now" (CORPACTIONS_CLOCK_FILE): every valid record date lies after
# CLOCK_START and every payment date before CLOCK_END.
CLOCK_START = dt.datetime(2015, 6, 1, tzinfo=dt.UTC)
FIRST_RECORD = dt.date(2016, 1, 4)
LAST_RECORD = dt.date(2024, 12, 31)
CLOCK_END = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TOKYO = ZoneInfo("Asia/Tokyo")  # XTKS: the dates' instants are Tokyo time

MAX_PAYLOAD_BYTES = 256 * 1024  # the documented input size cap (README: payload_too_large)
BASE = example_resolution()  # the IIJ example: keyed by its ISIN JP3152820001
BASE_KEY = security_key(BASE)


@dataclass
class Message:
    key: bytes | None
    value: bytes
    event_id: str | None  # a valid resolution's event id; None: must be dead-lettered
    kind: str = "valid"
    reason: str | None = None  # the dead letter's reason code
    error: str | None = None  # a code among the letter's errors (None: not checked)
    field: str | None = None  # ... reported on this field (prefix; None: not checked)
    record_date: dt.date | None = None
    payment_date: dt.date | None = None
    function: str = "NEWM"  # NEWM, or a later version: REPL, CANC, WITH
    version: int = 1

    def date_events_due(self) -> list[dt.datetime]:
        """When each of its date events is due, in UTC."""
        dates = (("RecordDateReached", self.record_date), ("PaymentDateReached", self.payment_date))
        return [arrival(day, kind) for kind, day in dates if day is not None]


# When each date event fires, market-local (README: CORPACTIONS_RECORD_DATE_EVENT_TIME,
# CORPACTIONS_PAYMENT_DATE_EVENT_TIME, the workers here run with the defaults): the record
# date once its settlement day has ended, the payment date as it begins.
RECORD_DATE_TIME = dt.time(23, 59, 59)
PAYMENT_DATE_TIME = dt.time(0, 0)


def arrival(day: dt.date, kind: str) -> dt.datetime:
    """When a Tokyo date event (``RecordDateReached``/``PaymentDateReached``) is due, in
    UTC."""
    at = RECORD_DATE_TIME if kind == "RecordDateReached" else PAYMENT_DATE_TIME
    return dt.datetime.combine(day, at, tzinfo=TOKYO).astimezone(dt.UTC)


def valid_messages(n: int, tag: str, seed: int = 1) -> list[Message]:
    """``n`` resolutions, each of its own Tokyo security (so no history links them and
    the stateless `corpactions schedule` gives each one's schedule), dated in the
    future of CLOCK_START."""
    rng = random.Random(seed)
    span = (LAST_RECORD - FIRST_RECORD).days
    out = []
    for i in range(n):
        record = FIRST_RECORD + dt.timedelta(days=rng.randint(0, span))
        payment = record + dt.timedelta(days=rng.randint(20, 90))
        security = {"local_code": f"{tag[:3]}{i}", "mic": "XTKS"}
        event_id = f"{tag}-E{i}"
        doc = example_resolution(
            message_id=f"{tag}-m{i}",
            event_id=event_id,
            security=security,
            other_listings=[],
            record_date=record.isoformat(),
            payment_date=payment.isoformat(),
            resolved_on=(record - dt.timedelta(days=rng.randint(0, 60))).isoformat(),
            fiscal_year_end=dt.date(record.year + (record.month > 3), 3, 31).isoformat(),
            gross_amount_per_share=str(Decimal(rng.randint(1, 20_000)).scaleb(-2)),
            eligible_shares=rng.randint(1, 10**9),
            declared_total=None,
            forecast_per_share=None,
        )
        out.append(
            Message(
                security_key(doc),
                json.dumps(doc).encode(),
                event_id,
                record_date=record,
                payment_date=payment,
            )
        )
    return out


def _doc(**changes: Any) -> bytes:
    d = dict(BASE)
    d.update(changes)
    return json.dumps(d).encode()


def _missing(name: str) -> bytes:
    d = dict(BASE)
    d.pop(name)
    return json.dumps(d).encode()


def _bad(
    kind: str,
    value: bytes,
    reason: str,
    error: str | None = None,
    field: str | None = None,
    key: bytes | None = BASE_KEY,
) -> Message:
    return Message(key, value, None, kind, reason, error, field)


def fixed_kinds(rng: random.Random, heavy: bool = True) -> list[Callable[[int], Message]]:
    """One maker per fixed hostile kind. Each is keyed as a producer would key it (by the
    security of the document it meant to send), so only the rule it is named for can
    reject it; ``wrong_key`` is the one kind with a wrong key."""
    kinds: list[Callable[[int], Message]] = [
        lambda i: _bad(
            "invalid_utf8",
            b"\xff\xfe\xfa" + bytes(rng.randrange(256) for _ in range(40)),
            "undecodable",
            "json_invalid",
        ),
        lambda i: _bad(
            "truncated_json", _doc()[: rng.randint(1, 300)], "undecodable", "json_invalid"
        ),
        lambda i: _bad("empty", b"", "undecodable", "json_invalid"),
        lambda i: _bad("not_an_object", b"[1, 2, 3]", "schema_violation", "model_type"),
        lambda i: _bad(
            "float_money",
            _doc(gross_amount_per_share=13.5),
            "schema_violation",
            "money_is_float",
            "gross_amount_per_share",
        ),
        lambda i: _bad(
            "nan_money",
            _doc().replace(b'"13.50"', b"NaN", 1),
            "schema_violation",
            "money_is_float",
            "gross_amount_per_share",
        ),
        lambda i: _bad("wrong_type", _doc(version="one"), "schema_violation", None, "version"),
        lambda i: _bad(
            "impossible_date",
            _doc(record_date="2016-02-30"),
            "schema_violation",
            None,
            "record_date",
        ),
        lambda i: _bad(
            "huge_integer",
            _doc(eligible_shares=10**40),
            "schema_violation",
            "less_than_equal",
            "eligible_shares",
        ),
        lambda i: _bad(
            "missing_field", _missing("record_date"), "schema_violation", "missing", "record_date"
        ),
        lambda i: _bad(
            "extra_field",
            _doc(surprise={"a": 1}),
            "schema_violation",
            "extra_forbidden",
            "surprise",
        ),
        lambda i: _bad(
            "date_out_of_range",
            _doc(
                record_date="1999-06-30",
                payment_date="1999-08-02",
                resolved_on="1999-06-01",
                fiscal_year_end="2000-03-31",
                forecast_per_share=None,
            ),
            "domain_rule",
            "record_date_out_of_calendar_range",
            "record_date",
        ),
        lambda i: _bad(
            "unknown_mic",
            _doc(security={"isin": "JP3152820001", "mic": "XQQQ"}, other_listings=[]),
            "domain_rule",
            "unknown_mic",
            "security.mic",
        ),
        lambda i: _bad(
            "unknown_currency",
            _doc(currency="QQQ"),
            "domain_rule",
            "unknown_currency",
            "currency",
        ),
        lambda i: _bad(
            "payment_before_record",
            _doc(payment_date="2016-09-01", resolved_on="2016-08-01"),
            "domain_rule",
            "payment_before_record",
            "payment_date",
        ),
        lambda i: _bad(
            "wrong_key",  # a valid resolution keyed by its local code although it has an ISIN
            _doc(message_id=f"wk-m{i}", event_id=f"wk-E{i}"),
            "wrong_key",
            "wrong_key",
            key=b"XTKS:3774",
        ),
    ]
    if heavy:
        kinds += [
            lambda i: _bad(
                "deeply_nested", b"[" * 100_000 + b"]" * 100_000, "undecodable", "json_invalid"
            ),
            lambda i: _bad(  # under the size cap: the parser must see it and refuse it
                "long_string_under_cap",
                _doc(issuer={"name": "x" * 200_000}),
                "schema_violation",
                "string_too_long",
                "issuer.name",
            ),
            lambda i: _bad(  # over the size cap: refused unread
                "megabyte_string",
                _doc(issuer={"name": "x" * 900_000}),
                "payload_too_large",
            ),
        ]
    return kinds


def hostile_messages(n: int, seed: int = 2, heavy: bool = True) -> list[Message]:
    """``n`` bad payloads cycling through the fixed kinds."""
    rng = random.Random(seed)
    kinds = fixed_kinds(rng, heavy)
    return [kinds[i % len(kinds)](i) for i in range(n)]


def generated_messages(n: int, seed: int = 4) -> list[Message]:
    """``n`` bad payloads drawn by hypothesis, five families, each with the reason it must
    get: a field of the wrong type; a non-positive rate; a payment before the record date;
    a wrong key; bytes that are not JSON; JSON that is not an object."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    letters = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=20)
    containers = st.one_of(st.lists(st.integers(), max_size=3), st.dictionaries(letters, letters))
    wrong: dict[str, Any] = {
        "version": st.one_of(letters, containers, st.integers(max_value=0), st.booleans()),
        "record_date": st.one_of(letters, st.integers(), containers, st.booleans()),
        "payment_date": st.one_of(letters, st.integers(), containers, st.booleans()),
        "gross_amount_per_share": st.one_of(
            st.floats(allow_nan=False, allow_infinity=False), st.booleans(), letters, containers
        ),
        "currency": st.one_of(st.integers(), containers, st.booleans()),
        "function": st.one_of(letters, st.integers(), containers),
        "issuer": st.one_of(letters, st.integers(), st.lists(st.integers(), max_size=3)),
        "security": st.one_of(letters, st.integers(), st.lists(st.integers(), max_size=3)),
        "dividend_type": st.one_of(letters.map(lambda s: s + "#"), st.integers(), containers),
    }
    json_values = st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), letters),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(letters, inner, max_size=3),
        max_leaves=8,
    )

    def not_json(raw: bytes) -> bool:
        try:
            json.loads(raw)
        except ValueError:
            return True
        return False

    out: list[Message] = []

    @settings(
        max_examples=n,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def draw(data: Any) -> None:
        i = len(out)
        family = data.draw(st.sampled_from(["type", "rate", "dates", "key", "bytes", "shape"]))
        if family == "type":
            name = data.draw(st.sampled_from(sorted(wrong)))
            value = data.draw(wrong[name])
            out.append(
                _bad(f"gen_type:{name}", _doc(**{name: value}), "schema_violation", None, name)
            )
        elif family == "rate":
            cents = data.draw(st.integers(min_value=-(10**9), max_value=0))
            rate = str(Decimal(cents).scaleb(-2))
            out.append(
                _bad(
                    "gen_rate",
                    _doc(gross_amount_per_share=rate),
                    "domain_rule",
                    "non_positive_rate",
                    "gross_amount_per_share",
                )
            )
        elif family == "dates":
            days = data.draw(st.integers(min_value=1, max_value=3000))
            payment = dt.date(2016, 9, 30) - dt.timedelta(days=days)
            out.append(
                _bad(
                    "gen_payment_before_record",
                    _doc(
                        payment_date=payment.isoformat(),
                        resolved_on=(payment - dt.timedelta(days=1)).isoformat(),
                    ),
                    "domain_rule",
                    "payment_before_record",
                    "payment_date",
                )
            )
        elif family == "key":
            key = data.draw(st.binary(min_size=0, max_size=40).filter(lambda k: k != BASE_KEY))
            out.append(
                _bad(
                    "gen_wrong_key",
                    _doc(message_id=f"gk-m{i}", event_id=f"gk-E{i}"),
                    "wrong_key",
                    "wrong_key",
                    key=key,
                )
            )
        elif family == "bytes":
            raw = data.draw(st.binary(min_size=1, max_size=200).filter(not_json))
            out.append(_bad("gen_not_json", raw, "undecodable", "json_invalid"))
        else:
            value = data.draw(json_values.filter(lambda v: not isinstance(v, dict)))
            out.append(
                _bad(
                    "gen_not_an_object",
                    json.dumps(value).encode(),
                    "schema_violation",
                    "model_type",
                )
            )

    draw()
    return out


def interleave(*groups: Sequence[Message], seed: int = 3) -> list[Message]:
    merged = [m for g in groups for m in g]
    random.Random(seed).shuffle(merged)
    return merged


# -- later versions: replacements, cancellations, withdrawals -----------------------------

SEEV039 = "seev.039.001.12"  # the cancellation advice (CANC, WITH)


def clock_steps(faults: int) -> list[dt.datetime]:
    """The workers' "now" before each fault (the scenarios step it so), then CLOCK_END."""
    span = CLOCK_END - CLOCK_START
    return [CLOCK_START + span * (j + 1) / (faults + 2) for j in range(faults)] + [CLOCK_END]


def later_version(m: Message, function: str, **changes: Any) -> Message:
    """Version 2 of ``m``'s event: a REPL (with ``changes``), a CANC or a WITH."""
    doc = {**json.loads(m.value), "function": function, "version": 2, **changes}
    doc["message_id"] = f"{doc['message_id']}-{function.lower()}"
    payment = dt.date.fromisoformat(doc["payment_date"])
    return Message(
        m.key,
        json.dumps(doc).encode(),
        m.event_id,
        kind=function.lower(),
        record_date=m.record_date,
        payment_date=payment,
        function=function,
        version=2,
    )


def with_later_versions(
    firsts: Sequence[Message], others: Sequence[Message], faults: int, seed: int = 5
) -> list[Message]:
    """``firsts`` (version 1 of each event) and ``others`` shuffled, with version 2 of
    some events placed so that they cross the faults (the stream is held at
    (j+1)/(faults+1) of its length until fault j, after the clock's step j):

    - REPL moving the payment date a week later, of events whose dates all lie after the
      last clock step (pending throughout): spread over the whole stream;
    - CANC and WITH of such events, before the last fault, so a restore must keep them
      cancelled;
    - REPL of events whose payment date is due by the first clock step, after the first
      fault's hold: the dividend is paid by then, so each must be dead-lettered
      (``event_already_paid``) and change nothing.

    Each version 2 comes after its version 1 (same key, hence same partition: in order).
    """
    rng = random.Random(seed)
    steps = clock_steps(faults)
    first_step, last_step = steps[0], steps[-2]
    base = interleave(firsts, others, seed=seed)
    where = {id(m): i for i, m in enumerate(base)}
    early = [m for m in firsts if where[id(m)] < len(base) // (2 * (faults + 1))]
    pending = [
        m for m in early if m.record_date and arrival(m.record_date, DATE_TYPES[0]) > last_step
    ]
    paid = [
        m for m in early if m.payment_date and arrival(m.payment_date, DATE_TYPES[1]) <= first_step
    ]
    rng.shuffle(pending)
    rng.shuffle(paid)
    k = max(3, len(firsts) // 100)
    repl, canc, wdrw = pending[:k], pending[k : k + k // 2], pending[k + k // 2 : 2 * k]
    paid = paid[: max(2, k // 2)]
    last_hold = faults / (faults + 1)
    placed: list[tuple[float, Message]] = []
    for m in repl:
        assert m.payment_date is not None
        later = m.payment_date + dt.timedelta(days=7)
        placed.append((rng.uniform(0.55, 0.98), later_version(m, "REPL", payment_date=str(later))))
    for m, function in [(m, "CANC") for m in canc] + [(m, "WITH") for m in wdrw]:
        placed.append(
            (rng.uniform(0.5 / (faults + 1), last_hold - 0.02), later_version(m, function))
        )
    for m in paid:
        assert m.payment_date is not None
        later = m.payment_date + dt.timedelta(days=7)
        v2 = later_version(m, "REPL", payment_date=str(later))
        # a bad input now: it must be dead-lettered, its event untouched
        letter = Message(m.key, v2.value, None, "repl_after_payment", "event_already_paid")
        placed.append((rng.uniform(1 / (faults + 1) + 0.02, 0.98), letter))
    out = list(base)
    for fraction, m in sorted(placed, key=lambda p: p[0], reverse=True):
        out.insert(int(fraction * len(base)), m)
    return out


# -- what `corpactions schedule` gives ------------------------------------------------------


def schedule_cli(value: bytes) -> dict[str, Any]:
    """`corpactions schedule -` on ``value``: the console command's own parser and
    handler, run in this process (a subprocess per input would take hours at full size;
    `schedule_subprocess` cross-checks samples)."""
    result: dict[str, Any] = json.loads(_cli(["schedule", "-"], value))
    return result


def notification_cli(value: bytes) -> bytes:
    """`corpactions schedule --format seev031 -` on ``value``, in this process."""
    return _cli(["schedule", "--format", "seev031", "-"], value).encode()


def _cli(argv: list[str], value: bytes) -> str:
    """`corpactions ARGV` with ``value`` on stdin: the parser of `cli.py` (parsed once per
    argv; building it per call took half of a full-size check's 24 minutes) and the
    command's own handler, with `cli.main`'s exit status."""
    args, command = _parsed(tuple(argv))
    stdin = io.TextIOWrapper(io.BytesIO(value), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = stdin
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = int(command.run(args))
    finally:
        sys.stdin = saved
    if code != 0:
        raise AssertionError(f"corpactions {' '.join(argv)} exit {code}: {err.getvalue()}")
    return out.getvalue()


@functools.cache
def _parsed(argv: tuple[str, ...]) -> tuple[argparse.Namespace, Any]:
    from corpactions.cli import build_parser

    args, extra = build_parser().parse_known_args(list(argv))
    assert not extra, extra
    return args, importlib.import_module(f"corpactions.commands.{args.command}")


def schedule_subprocess(value: bytes) -> dict[str, Any]:
    """The same through the installed `corpactions` command, as a separate process."""
    proc = subprocess.run(
        [sys.executable, "-m", "corpactions.cli", "schedule", "-"],
        input=value,
        capture_output=True,
        check=True,
        timeout=120,
    )
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def letter_problems(m: Message, letter: dict[str, Any], topic: str) -> list[str]:
    """How a dead letter differs from what ``m`` must give (empty: it is right)."""
    problems = []
    reason = letter.get("reason", {})
    if reason.get("code") != m.reason:
        problems.append(f"reason {reason.get('code')!r}, expected {m.reason!r}")
    if m.error is not None or m.field is not None:
        errors = reason.get("errors", [])
        if not any(
            (m.error is None or e.get("code") == m.error)
            and (m.field is None or str(e.get("field", "")).startswith(m.field))
            for e in errors
        ):
            problems.append(f"no error {m.error!r} on {m.field!r} in {errors[:3]}")
    stored = base64.b64decode(letter.get("payload_base64") or "")
    if letter.get("payload_truncated"):
        if not (len(m.value) > len(stored) > 0 and m.value.startswith(stored)):
            problems.append(f"truncated payload ({len(stored)} B) is no prefix of the input")
    elif stored != m.value:
        problems.append(f"stored payload ({len(stored)} B) differs from the input")
    raw_key = letter.get("source_key_base64")
    key = None if raw_key is None else base64.b64decode(raw_key)
    if key != m.key:
        problems.append(f"stored key {key!r}, produced {m.key!r}")
    if letter.get("source_topic") != topic:
        problems.append(f"source topic {letter.get('source_topic')!r}")
    return problems
