"""Decode a contract's JSON without calling Python for the fields of a valid message.

The contracts check their inputs with Python functions (board_resolution.py: a date is
"YYYY-MM-DD", money a decimal string or an integer, never a float, ...), each with its
own error types, and pydantic applies some of its own constraints (``ge``, ``gt``,
``allow_inf_nan`` next to such a function) as Python functions too. pydantic-core calls
them field by field: for a valid resolution they are about half of its decoding.

`NativeJson` derives a second validator from a model's own core schema in which each
such function is replaced by native pydantic-core schemas that accept only JSON the
function accepts, with the same result (the contract module names them: `natives`), and
each of pydantic's constraint functions by the same constraint, native. Whatever is not
recognised stays as it is, so the derived validator may be slower, never different.

A message it accepts is decoded once, natively; anything else is decoded again by the
model itself, whose result or errors are the answer. So the errors are always the
model's own, and a valid message gives the same object either way
(tests/unit/contracts/test_native.py holds them equal on the agreement corpus).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final, Generic, TypeAlias, TypeVar, cast

from pydantic import BaseModel, ValidationError
from pydantic_core import CoreSchema, SchemaValidator

M = TypeVar("M", bound=BaseModel)

NativeSchema: TypeAlias = Callable[..., CoreSchema]
"""(the schema the function's result goes on to, **the function's keyword arguments) ->
a native schema accepting, from JSON, only what the function accepts, with its result."""

# pydantic's own constraint functions (pydantic/_internal/_validators.py), applied after
# a validator it cannot push them into, and the native constraint each one is.
_PYDANTIC_VALIDATORS: Final = "pydantic._internal._validators"
_CONSTRAINTS: Final = {
    "greater_than_validator": "gt",
    "greater_than_or_equal_validator": "ge",
    "less_than_validator": "lt",
    "less_than_or_equal_validator": "le",
}
_FINITE: Final = "forbid_inf_nan_check"
# The schemas each native constraint applies to.
_APPLIES_TO: Final = {"allow_inf_nan": frozenset({"decimal"})}
_NUMBERS: Final = frozenset({"int", "decimal"})
# Keys of a schema whose values are not schemas to walk.
_OPAQUE: Final = frozenset({"metadata", "cls", "function", "serialization", "ref", "config"})


class NativeJson(Generic[M]):
    """`model.model_validate_json`, with a native first attempt (see the module)."""

    def __init__(self, model: type[M], natives: Mapping[Callable[..., Any], NativeSchema]):
        self._model = model
        self._natives = natives

    @functools.cached_property
    def validator(self) -> SchemaValidator:
        """The derived validator, built on first use (start-up need not pay for it)."""
        schema = native_schema(self._model.__pydantic_core_schema__, self._natives)
        with _built_afresh(_models_in(schema)):
            return SchemaValidator(schema)

    def __call__(self, raw: bytes | str) -> M:
        """The model in `raw`; raises the model's own ValidationError when invalid."""
        try:
            return cast(M, self.validator.validate_json(raw))
        except ValidationError:
            return self._model.model_validate_json(raw)


@contextlib.contextmanager
def _built_afresh(models: set[type[BaseModel]]) -> Iterator[None]:
    """pydantic-core builds a schema naming a complete model with that model's own
    validator (its "prebuilt" one), whatever the schema says; like pydantic's
    `model_rebuild`, mark the models incomplete while a validator is built from theirs."""
    complete = {model: model.__pydantic_complete__ for model in models}
    for model in models:
        model.__pydantic_complete__ = False
    try:
        yield
    finally:
        for model, was in complete.items():
            model.__pydantic_complete__ = was


def _models_in(schema: Any) -> set[type[BaseModel]]:
    """The model classes `schema` builds."""
    if isinstance(schema, list):
        return set().union(*(_models_in(item) for item in schema))
    if not isinstance(schema, dict):
        return set()
    found = {schema["cls"]} if schema.get("type") == "model" else set()
    return found.union(*(_models_in(v) for k, v in schema.items() if not _opaque(schema, k)))


def _opaque(node: dict[str, Any], key: str) -> bool:
    """Whether `node[key]` is not a schema to walk: a schema's metadata, class, function,
    ... (and not, say, a model's field named "function")."""
    return isinstance(node.get("type"), str) and key in _OPAQUE


def native_schema(schema: Any, natives: Mapping[Callable[..., Any], NativeSchema]) -> Any:
    """A copy of `schema` with the function validators `natives` knows, and pydantic's
    constraint functions, replaced by native schemas (JSON input only)."""
    if isinstance(schema, list):
        return [native_schema(item, natives) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {
        key: value if _opaque(schema, key) else native_schema(value, natives)
        for key, value in schema.items()
    }
    kind = out.get("type")
    if kind not in ("function-before", "function-after"):
        return out
    given = out["function"]["function"]
    inner = out["schema"]
    function, keywords = (
        (given.func, given.keywords) if isinstance(given, functools.partial) else (given, {})
    )
    if kind == "function-before" and function in natives:
        return natives[function](inner, **keywords)
    if getattr(function, "__module__", None) == _PYDANTIC_VALIDATORS:
        name = getattr(function, "__name__", "")
        if name == _FINITE and _constrain(inner, "allow_inf_nan", False):
            return inner
        constraint = _CONSTRAINTS.get(name)
        if constraint is not None and _constrain(inner, constraint, keywords[constraint]):
            return inner
    return out


def _constrain(schema: Any, key: str, value: Any) -> bool:
    """Put the constraint `key`=`value` on the numbers `schema` yields, in place (a copy
    made by native_schema); False, changing nothing, where that is not plain."""
    applies_to = _APPLIES_TO.get(key, _NUMBERS)
    targets: list[dict[str, Any]] = []
    pending = [schema]
    while pending:
        node = pending.pop()
        kind = node.get("type")
        if kind in applies_to and key not in node:
            targets.append(node)
        elif kind == "union":
            pending.extend(c[0] if isinstance(c, tuple) else c for c in node["choices"])
        elif kind == "chain":
            pending.append(node["steps"][-1])
        else:
            return False
    for node in targets:
        node[key] = value
    return True
