"""The Schema Registry wire format on input, without Kafka: the frame is stripped, a
registered schema is checked against the contract, each schema id is asked about once.

The registry here is a stand-in (a dict of verdicts, or nothing listening): the real
client against confluent-kafka's own serializer is tests/integration/test_schema_registry.py.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from corpactions.contracts.board_resolution import BoardResolution
from corpactions.contracts.forecast import DividendForecast
from corpactions.contracts.topics import Topics
from corpactions.settings import Settings
from corpactions.stream.intake import Source, Verdict
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.schema_registry import (
    Fit,
    RegistryError,
    SchemaRegistry,
    SchemaVerdicts,
    frame,
    readable,
    unframe,
)
from corpactions.stream.state import PartitionState
from tests.support.kafka import example_resolution, key_of
from tests.unit.stream.test_lifecycle import ANNOUNCED, TOPICS

RAW = json.dumps(example_resolution()).encode()


def test_the_frame_is_magic_zero_then_the_schema_id_big_endian() -> None:
    # Confluent's wire format: byte 0 = 0, bytes 1-4 = the id, big-endian (id 258 = 0x102)
    assert frame(258, b"{}") == b"\x00\x00\x00\x01\x02{}"
    assert unframe(b"\x00\x00\x00\x01\x02{}") == (258, b"{}")
    assert unframe(b'{"a": 1}') == (None, b'{"a": 1}')
    assert unframe(b"\x00\x00") == (None, b"\x00\x00")  # too short for a frame


def test_the_contracts_own_schemas_are_readable_and_others_are_not() -> None:
    assert readable(BoardResolution.model_json_schema())
    assert readable(DividendForecast.model_json_schema())
    subset = BoardResolution.model_json_schema()
    subset["required"] = [r for r in subset["required"] if r != "record_date"]
    assert not readable(subset)  # a producer may leave out what the service needs
    extra = BoardResolution.model_json_schema()
    extra["properties"] = {**extra["properties"], "bonus": {"type": "string"}}
    assert not readable(extra)  # a property the contract would refuse
    assert not readable({"type": "string"})


def _source(raw: bytes, offset: int = 0) -> Source:
    return Source(TOPICS.resolutions, 0, offset, 1478239200000, key_of(RAW))


def test_without_a_registry_a_framed_resolution_is_scheduled_as_an_unframed_one() -> None:
    life = Lifecycle(Topics(prefix=""))
    out = life.on_record(PartitionState(), frame(7, RAW), _source(RAW), ANNOUNCED)
    assert out.verdict is Verdict.SCHEDULED


class _Verdicts(SchemaVerdicts):
    def __init__(self, known: dict[int, Fit]) -> None:
        super().__init__(SchemaRegistry("http://127.0.0.1:1"))
        self.known = dict(known)


@pytest.mark.parametrize(
    ("fit", "verdict", "code"),
    [
        (Fit.READABLE, Verdict.SCHEDULED, None),
        (Fit.UNKNOWN, Verdict.DEAD_LETTER, "unknown_schema_id"),
        (Fit.INCOMPATIBLE, Verdict.DEAD_LETTER, "incompatible_schema"),
    ],
)
def test_with_a_registry_the_schema_ids_verdict_decides(
    fit: Fit, verdict: Verdict, code: str | None
) -> None:
    life = Lifecycle(TOPICS, schemas=_Verdicts({7: fit}))
    framed = frame(7, RAW)
    out = life.on_record(PartitionState(), framed, _source(RAW), ANNOUNCED)
    assert out.verdict is verdict
    if code is not None:
        [letter] = [json.loads(o.value) for o in out.outputs]
        assert letter["reason"]["code"] == code
        assert "schema id 7" in letter["reason"]["message"]
        # the record kept whole, frame and all, for a replay once the schema is registered
        assert base64.b64decode(letter["payload_base64"]) == framed


def test_an_unframed_resolution_needs_no_registry_verdict() -> None:
    life = Lifecycle(TOPICS, schemas=_Verdicts({}))
    assert life.on_record(PartitionState(), RAW, _source(RAW), ANNOUNCED).verdict is (
        Verdict.SCHEDULED
    )


class _Counting(SchemaRegistry):
    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:1")
        self.asked: list[int] = []

    async def fit(self, schema_id: int) -> Fit:
        self.asked.append(schema_id)
        return Fit.READABLE


class _R:
    def __init__(self, value: bytes | None) -> None:
        self.value = value


async def test_each_schema_id_is_asked_about_once_for_the_process() -> None:
    registry = _Counting()
    verdicts = SchemaVerdicts(registry)
    batch: list[Any] = [_R(frame(1, RAW)), _R(frame(2, RAW)), _R(RAW), _R(None), _R(frame(1, RAW))]
    await verdicts.learn(r.value for r in batch)
    await verdicts.learn(r.value for r in batch)
    assert registry.asked == [1, 2]
    assert verdicts.fit(1) is Fit.READABLE


async def test_an_unreachable_registry_is_one_line_naming_the_variable() -> None:
    registry = SchemaRegistry("http://127.0.0.1:1", "svc", "s3cret-pw")
    with pytest.raises(RegistryError) as caught:
        await registry.check()
    await registry.close()
    line = str(caught.value)
    assert line.startswith(
        "cannot reach the Schema Registry at http://127.0.0.1:1 (CORPACTIONS_SCHEMA_REGISTRY_URL)"
    )
    assert "\n" not in line
    assert "s3cret-pw" not in line
    assert "s3cret-pw" not in repr(registry)


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            {"CORPACTIONS_SCHEMA_REGISTRY_URL": "htp://registry:8081"},
            "CORPACTIONS_SCHEMA_REGISTRY_URL='htp://registry:8081' is not an http(s)://host:port",
        ),
        (
            {
                "CORPACTIONS_SCHEMA_REGISTRY_URL": "http://registry:8081",
                "CORPACTIONS_SCHEMA_REGISTRY_PASSWORD": "s3cret-pw",
            },
            "CORPACTIONS_SCHEMA_REGISTRY_PASSWORD is set without "
            "CORPACTIONS_SCHEMA_REGISTRY_USERNAME",
        ),
    ],
)
def test_a_bad_registry_setting_is_refused_naming_the_variable_not_the_password(
    env: dict[str, str], says: str
) -> None:
    with pytest.raises(ValueError, match=r".") as caught:
        Settings.from_env(env)
    assert says in str(caught.value)
    assert "s3cret-pw" not in str(caught.value)


def test_the_password_is_not_in_the_settings_repr() -> None:
    settings = Settings.from_env(
        {
            "CORPACTIONS_SCHEMA_REGISTRY_URL": "http://registry:8081",
            "CORPACTIONS_SCHEMA_REGISTRY_USERNAME": "svc",
            "CORPACTIONS_SCHEMA_REGISTRY_PASSWORD": "s3cret-pw",
        }
    )
    assert settings.schema_registry_password == "s3cret-pw"  # noqa: S105 (a test value)
    assert "s3cret-pw" not in repr(settings)
