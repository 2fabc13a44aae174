"""The published contracts: generated from the models, valid, and in step with the code."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from corpactions.contracts.generate import MODELS, main, render
from corpactions.contracts.topics import Topics
from corpactions.stream.intake import Source
from corpactions.stream.lifecycle import Lifecycle
from corpactions.stream.state import PartitionState
from tests.support.kafka import EXAMPLE, example_resolution, key_of

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"


def test_checked_in_schemas_match_the_models() -> None:
    for path, text in render(SCHEMAS).items():
        assert path.exists(), f"{path.name} missing: run `make schemas`"
        assert path.read_text() == text, f"{path.name} drifted: run `make schemas`"


def test_check_mode_reports_drift(tmp_path: Path) -> None:
    assert main(["--check", str(tmp_path)]) == 1
    assert main([str(tmp_path)]) == 0
    assert main(["--check", str(tmp_path)]) == 0


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_each_schema_is_valid_json_schema_2020_12(model: type) -> None:
    schema = json.loads((SCHEMAS / f"{model.__name__}.schema.json").read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((SCHEMAS / f"{name}.schema.json").read_text()))


def test_the_example_resolution_conforms_to_its_schema() -> None:
    _validator("BoardResolution").validate(json.loads(EXAMPLE.read_text()))


def test_the_example_forecast_conforms_to_its_schema_and_not_to_the_resolutions() -> None:
    forecast = json.loads((SCHEMAS / "examples" / "dividend-forecast.iij-fy2016.json").read_text())
    _validator("DividendForecast").validate(forecast)
    assert not _validator("BoardResolution").is_valid(forecast)
    assert not _validator("DividendForecast").is_valid(json.loads(EXAMPLE.read_text()))


def test_emitted_events_conform_to_their_published_schemas() -> None:
    life = Lifecycle(Topics())
    state = PartitionState()
    now = dt.datetime(2016, 11, 4, 6, tzinfo=dt.UTC)
    later = dt.datetime(2016, 12, 31, tzinfo=dt.UTC)

    def feed(raw: bytes, offset: int) -> list[dict[str, Any]]:
        out = life.on_resolution(state, raw, Source("in", 0, offset, key=key_of(raw)), now)
        return [json.loads(o.value) for o in out.outputs if o.topic != Topics().notifications]

    events = feed(json.dumps(example_resolution()).encode(), 0)
    repl = example_resolution(message_id="m2", function="REPL", version=2)
    events += feed(json.dumps(repl).encode(), 1)
    other = {"event_id": "OTHER", "message_id": "o1"}
    events += feed(json.dumps(example_resolution(**other)).encode(), 2)
    withdrawn = example_resolution(**{**other, "message_id": "o2"}, function="WITH", version=2)
    events += feed(json.dumps(withdrawn).encode(), 3)
    events += [json.loads(o.value) for o in life.on_tick(state, later).outputs]
    # paid on 2016-12-06: a cancellation now is dead-lettered (event_already_paid)
    canc = example_resolution(message_id="m3", function="CANC", version=3)
    late = dt.datetime(2016, 12, 31, tzinfo=dt.UTC)
    raw = json.dumps(canc).encode()
    out = life.on_resolution(state, raw, Source("in", 0, 4, key=key_of(raw)), late)
    events += [json.loads(o.value) for o in out.outputs]
    events += feed(b"\xff", 5)
    types = [e["type"] for e in events]
    assert types == [
        "DividendScheduled",
        "DividendScheduleReplaced",
        "DividendScheduled",
        "DividendCancelled",
        "RecordDateReached",
        "PaymentDateReached",
        "BoardResolutionRejected",
        "BoardResolutionRejected",
    ]
    assert events[-2]["reason"]["code"] == "event_already_paid"
    names = {"BoardResolutionRejected": "DeadLetter"}
    for event in events:
        _validator(names.get(event["type"], event["type"])).validate(event)


def test_asyncapi_document_names_every_topic_and_resolves_every_ref() -> None:
    doc = json.loads((SCHEMAS / "asyncapi.json").read_text())
    assert doc["asyncapi"] == "3.0.0"
    addresses = {c["address"] for c in doc["channels"].values()}
    t = Topics()
    assert addresses == {t.resolutions, *t.outputs()}

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    for ref in refs(doc):
        target: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert isinstance(target, dict), ref
