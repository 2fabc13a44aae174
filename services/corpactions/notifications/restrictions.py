"""Every restriction the generated ISO 20022 classes carry, checked on an instance.

The classes of `python-iso20022` are plain dataclasses: building one checks nothing,
and xsdata serializes whatever it is given. Their field metadata holds the XSD's
facets, so a walk over an instance checks what a schema validator would check of
its values:

- ``required`` elements and attributes present; ``min_occurs``/``max_occurs`` of lists;
- strings: ``min_length``/``max_length`` (characters) and ``pattern`` (anchored, as XSD
  patterns are);
- decimals: finite, ``total_digits``/``fraction_digits`` (of the value, as XSD defines
  them), ``min_inclusive``/``max_inclusive``;
- code lists: the value is a member of the field's own enum (``NEWM``, ``DVCA``...);
- dates, date-times and booleans of their XML types;
- ISO 20022 ``...Choice`` components (an ``xs:choice``): exactly one alternative given.

`element_order_errors` checks a serialized document's structure against the classes:
no unknown element or attribute, children in the sequence order of the XSD (the
generated field order), and no element repeated that may occur once.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, NamedTuple

_CHOICE = re.compile(r"\d+Choice(?:Seev\d+)?$")  # ISO 20022 names every xs:choice type so


class Violation(NamedTuple):
    """One broken restriction: where (element path below the document root, an
    attribute as ``@Name``), which facet, and the explanation."""

    element: str
    rule: str
    message: str


class _Spec(NamedTuple):
    attr: str
    xml: str  # element name, "@Attribute", or "" for a simple content's text
    kind: str  # Element, Attribute, Text
    inner: Any  # declared item type (a dataclass, Enum, str, Decimal, bool, XmlDate...)
    is_list: bool
    required: bool
    min_occurs: int
    max_occurs: int | None
    min_length: int | None
    max_length: int | None
    pattern: re.Pattern[str] | None
    total_digits: int | None
    fraction_digits: int | None
    min_inclusive: Decimal | None
    max_inclusive: Decimal | None
    # the check of a value of this field (`value_problem`), chosen once by ``inner``
    check: Callable[[_Spec, Any], tuple[str, str] | None]


def _unwrap(declared: Any) -> tuple[Any, bool]:
    """(item type, is a list) of ``Optional[X]``, ``X | None``, ``list[X]``."""
    origin = typing.get_origin(declared)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(declared) if a is not type(None)]
        return _unwrap(args[0])
    if origin is list:
        return typing.get_args(declared)[0], True
    return declared, False


@cache
def specs(cls: type) -> tuple[_Spec, ...]:
    """The checked facets of each field of a generated class, in XSD sequence order."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        md = f.metadata
        inner, is_list = _unwrap(hints[f.name])
        kind = md.get("type", "Text" if "name" not in md else "Element")
        name = md.get("name", f.name)
        xml = f"@{name}" if kind == "Attribute" else ("" if kind == "Text" else name)
        pattern = md.get("pattern")
        required = bool(md.get("required", False))
        out.append(
            _Spec(
                attr=f.name,
                xml=xml,
                kind=kind,
                inner=inner,
                is_list=is_list,
                required=required,
                min_occurs=int(md.get("min_occurs", 1 if required else 0)),
                max_occurs=md.get("max_occurs"),
                min_length=md.get("min_length"),
                max_length=md.get("max_length"),
                pattern=re.compile(pattern) if pattern else None,
                total_digits=md.get("total_digits"),
                fraction_digits=md.get("fraction_digits"),
                min_inclusive=md.get("min_inclusive"),
                max_inclusive=md.get("max_inclusive"),
                check=_check_of(inner),
            )
        )
    return tuple(out)


def is_choice(cls: type) -> bool:
    """An ISO 20022 ``...Choice`` component (an ``xs:choice``): one alternative given."""
    return _CHOICE.search(cls.__name__) is not None


# XML 1.0 Char, less U+000D: a carriage return in text is read back as a line feed
# (XML end-of-line handling), so the document would not say what was given.
_NOT_XML_TEXT = re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def value_problem(spec: _Spec, value: Any) -> tuple[str, str] | None:
    """The first restriction a simple value breaks, as (facet, explanation); None if none."""
    return spec.check(spec, value)


def _check_of(inner: Any) -> Callable[[_Spec, Any], tuple[str, str] | None]:
    """The check of a value whose field declares ``inner``."""
    if isinstance(inner, type) and issubclass(inner, Enum):
        return _code
    if inner is str:
        return _text
    if inner is Decimal:
        return _decimal
    if inner is bool:
        return _boolean
    if isinstance(inner, type):
        return _instance
    return _unchecked


def _code(spec: _Spec, value: Any) -> tuple[str, str] | None:
    if not isinstance(value, spec.inner):
        codes = ", ".join(str(e.value) for e in spec.inner)
        return "code", f"{value!r} is not one of the codes {codes}"
    return None


def _boolean(spec: _Spec, value: Any) -> tuple[str, str] | None:
    return None if isinstance(value, bool) else ("type", f"{value!r} is not a boolean")


def _instance(spec: _Spec, value: Any) -> tuple[str, str] | None:
    if not isinstance(value, spec.inner):
        return "type", f"{value!r} is not a {spec.inner.__name__}"
    return None


def _unchecked(spec: _Spec, value: Any) -> None:
    return None


def _text(spec: _Spec, value: Any) -> tuple[str, str] | None:
    if not isinstance(value, str):
        return "type", f"{value!r} is not text"
    n = len(value)
    if spec.min_length is not None and n < spec.min_length:
        return "min_length", f"{n} characters, at least {spec.min_length}"
    if spec.max_length is not None and n > spec.max_length:
        return "max_length", f"{n} characters, at most {spec.max_length}"
    if spec.pattern is not None and spec.pattern.fullmatch(value) is None:
        return "pattern", f"{value!r} does not match {spec.pattern.pattern}"
    bad = _NOT_XML_TEXT.search(value)
    if bad is not None:
        return "xml_char", f"character U+{ord(bad.group()):04X} cannot be carried in XML text"
    return None


def digits(value: Decimal) -> tuple[int, int]:
    """(total digits, fraction digits) of a finite decimal's value, as XSD counts them:
    the least i and n with value = i x 10^-n (13.50 -> 3, 1; 1500 -> 4, 0; 0.05 -> 2, 2).
    Exact, whatever the number of digits (`Decimal.normalize` would round)."""
    _, numerals, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    kept = list(numerals)
    while exponent < 0 and len(kept) > 1 and kept[-1] == 0:
        kept.pop()
        exponent += 1
    if kept == [0]:
        return 1, 0
    if exponent >= 0:
        return len(kept) + exponent, 0
    fraction = -exponent
    return max(len(kept), fraction), fraction


def _decimal(spec: _Spec, value: Any) -> tuple[str, str] | None:
    if not isinstance(value, Decimal) or not value.is_finite():
        return "type", f"{value!r} is not a finite decimal"
    total, fraction = digits(value)
    if spec.total_digits is not None and total > spec.total_digits:
        return "total_digits", f"{total} digits, at most {spec.total_digits}"
    if spec.fraction_digits is not None and fraction > spec.fraction_digits:
        return "fraction_digits", f"{fraction} decimals, at most {spec.fraction_digits}"
    if spec.min_inclusive is not None and value < spec.min_inclusive:
        return "min_inclusive", f"{value} is below {spec.min_inclusive}"
    if spec.max_inclusive is not None and value > spec.max_inclusive:
        return "max_inclusive", f"{value} is above {spec.max_inclusive}"
    return None


# -- the serialized document's structure ---------------------------------------------------


def element_order_errors(xml: bytes, root: type, namespace: str) -> list[str]:
    """What in ``xml`` the classes rooted at ``root`` do not allow: an element or
    attribute they do not name, children out of the XSD's sequence order, an element
    repeated that may occur once, or one in another namespace; [] if none."""
    tree = ET.fromstring(xml)  # noqa: S314 - our own output, parsed in tests and the CLI
    errors: list[str] = []
    expected = f"{{{namespace}}}Document"
    if tree.tag != expected:
        errors.append(f"root is {tree.tag}, expected {expected}")
    _check_element(tree, root, "", namespace, errors)
    return errors


def _check_element(
    node: ET.Element, cls: type, path: str, namespace: str, errors: list[str]
) -> None:
    fields = specs(cls)
    attributes = {s.xml[1:]: s for s in fields if s.kind == "Attribute"}
    for name in node.attrib:
        if name not in attributes:
            errors.append(f"{path or '/'}: attribute {name} is not in the schema")
    elements = [s for s in fields if s.kind == "Element"]
    order = {s.xml: i for i, s in enumerate(elements)}
    last = -1
    seen: dict[str, int] = {}
    for child in node:
        ns, _, local = child.tag[1:].partition("}")
        where = f"{path}/{local}".lstrip("/")
        if ns != namespace:
            errors.append(f"{where}: namespace {ns}, expected {namespace}")
        if local not in order:
            errors.append(f"{where}: not an element of {cls.__name__}")
            continue
        position = order[local]
        if position < last:
            errors.append(f"{where}: out of the schema's sequence order")
        last = position
        seen[local] = seen.get(local, 0) + 1
        spec = elements[position]
        if not spec.is_list and seen[local] > 1:
            errors.append(f"{where}: may occur once")
        if isinstance(spec.inner, type) and dataclasses.is_dataclass(spec.inner):
            _check_element(child, spec.inner, where, namespace, errors)
        elif len(child):
            errors.append(f"{where}: a simple element with child elements")
