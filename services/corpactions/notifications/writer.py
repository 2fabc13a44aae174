"""Serialize a generated ISO 20022 document and check its restrictions, in one pass.

xsdata's `XmlSerializer` writes what the classes describe, but generically: a
seev.031 took 4-10 ms there, on the service's path for every resolution. This writer
walks the same instance with the same metadata (element names and sequence order from
the generated fields, namespaces as xsdata's context gives them) and writes exactly
xsdata's output, byte for byte (``tests/unit/test_notifications.py`` holds the two
equal, as ``test_encoding.py`` does for the JSON events), while checking every
restriction (`restrictions`): a document with a broken restriction is never returned.

`template` renders a document shape once through the same walk, its variable values
left as slots, and `Template.fill` writes a document of that shape from its values
alone: the service's per-resolution path, without building or walking the instance.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, NamedTuple

from xsdata.models.datatype import XmlDate, XmlDateTime, XmlTime

from corpactions.notifications.restrictions import Violation, is_choice, specs, value_problem

_ELEMENT, _ATTRIBUTE, _TEXT = 0, 1, 2
_KINDS = {"Element": _ELEMENT, "Attribute": _ATTRIBUTE, "Text": _TEXT}
INDENT = "  "
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


class _Field(NamedTuple):
    attr: str
    name: str  # element or attribute name ("" for text content)
    kind: int
    nested: type | None  # a generated class, else None for a simple value
    is_list: bool
    required: bool
    min_occurs: int
    max_occurs: int | None
    spec: Any  # restrictions._Spec, for the facet checks of a simple value
    # how a simple value of exactly the declared type is written when that type has no
    # facet to check (a code list's member, a boolean, a date); None for the others
    exact: Callable[[Any], str] | None


class _Plan(NamedTuple):
    by_attr: dict[str, _Field]
    required: tuple[_Field, ...]
    choice: bool  # an xs:choice: exactly one alternative
    simple_content: bool  # text content (and attributes), no child elements


@cache
def _plan(cls: type) -> _Plan:
    fields = []
    for s in specs(cls):
        nested = s.inner if dataclasses.is_dataclass(s.inner) else None
        name = s.xml.lstrip("@")
        fields.append(
            _Field(
                s.attr,
                name,
                _KINDS[s.kind],
                nested if isinstance(nested, type) else None,
                s.is_list,
                s.required,
                s.min_occurs,
                s.max_occurs,
                s,
                _exact_writer(s.inner),
            )
        )
    simple = any(f.kind == _TEXT for f in fields)
    required = tuple(f for f in fields if f.required or f.min_occurs > 0)
    return _Plan({f.attr: f for f in fields}, required, is_choice(cls), simple)


def _code(value: Any) -> str:
    return str(value.value)  # ISO 20022 codes are letters and digits: nothing to escape


def _boolean(value: Any) -> str:
    return "true" if value else "false"


def _exact_writer(inner: Any) -> Callable[[Any], str] | None:
    if isinstance(inner, type) and issubclass(inner, Enum):
        if all(str(e.value).isalnum() for e in inner):
            return _code
        return None
    if inner is bool:
        return _boolean
    if inner in (XmlDate, XmlDateTime, XmlTime):
        return str
    return None


def _typed_writer(inner: Any) -> Callable[[Any], str] | None:
    """How `_text` writes a value of the declared type ``inner``, its dispatch done once:
    those of `_exact_writer`, text and decimals; None for the others."""
    if inner is str:
        return _escape
    if inner is Decimal:
        return _decimal_text
    return _exact_writer(inner)


def _present(obj: Any) -> list[tuple[str, Any]]:
    """The fields given a value (not None, not an empty list), in field order: a
    dataclass's ``__init__`` sets every field in that order, so its ``__dict__`` keeps it.
    Most fields of a generated class are unset; this skips them at C speed."""
    return [
        (a, v) for a, v in obj.__dict__.items() if v is not None and (v.__class__ is not list or v)
    ]


def _escape(text: str) -> str:
    """As `xml.sax.saxutils.escape` (xsdata's writer): &, <, >."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _text(value: Any) -> str:
    """A simple value as xsdata's converters write it."""
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, Enum):
        return _escape(str(value.value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, XmlDate | XmlDateTime | XmlTime):
        return str(value)
    return _escape(str(value))


def _decimal_text(value: Decimal) -> str:
    return f"{value:f}"


def _attribute(value: Any) -> str:
    """An attribute's value between its quotes, as xsdata writes it: the converter's text
    through `xml.sax.saxutils.quoteattr` (values that need no quote choice: checked)."""
    return _escape(_text(value)).replace('"', "&quot;")


class _Out:
    __slots__ = ("parts", "path", "problems")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.problems: list[Violation] = []
        self.path: list[str] = []

    def problem(self, name: str, rule: str, message: str) -> None:
        where = "/".join([*self.path, name]) if name else "/".join(self.path)
        self.problems.append(Violation(where, rule, message))

    def text(self, name: str, spec: Any, value: Any) -> str:
        """A simple value of element ``name`` (or of its text content, name "") as
        written, after checking it against its field's restrictions."""
        self.check(name, spec, value)
        return _text(value)

    def attribute(self, name: str, spec: Any, value: Any) -> str:
        """An attribute's value as written between its quotes, after the same check."""
        self.check(name, spec, value)
        return _attribute(value)

    def check(self, name: str, spec: Any, value: Any) -> None:
        problem = value_problem(spec, value)
        if problem is not None:
            self.problem(name, *problem)


def render(document: Any, namespace: str) -> tuple[str, list[Violation]]:
    """``document`` (a generated root class named Document) as XML, indented by two
    spaces with the XML declaration, as xsdata writes it with ``ns_map={None:
    namespace}``; and every restriction it breaks (the XML is meaningless then)."""
    out = _Out()
    return _render(document, namespace, out), out.problems


def _render(document: Any, namespace: str, out: _Out) -> str:
    parts = out.parts
    parts.append(DECLARATION)
    parts.append(f'<Document xmlns="{namespace}">')
    root: type = document.__class__
    _children(document, _plan(root), 1, out)
    parts.append("\n</Document>\n")
    return "".join(parts)


def check(document: Any) -> list[Violation]:
    """Every restriction ``document`` breaks (`render` without keeping the XML)."""
    return render(document, "")[1]


def _children(obj: Any, plan: _Plan, depth: int, out: _Out) -> bool:
    """Write ``obj``'s child elements; True if it wrote any."""
    for f in plan.required:
        value = getattr(obj, f.attr)
        if value is None or (f.is_list and value.__class__ is list and not value):
            out.problem(f.name, "required", "a required element is missing")
    parts = out.parts
    pad = "\n" + INDENT * depth
    present = _present(obj)
    by_attr = plan.by_attr
    for attr, value in present:
        f = by_attr[attr]
        if f.is_list:
            if value.__class__ is not list:
                out.problem(f.name, "type", "expected a list of elements")
                continue
            if f.max_occurs is not None and len(value) > f.max_occurs:
                out.problem(f.name, "max_occurs", f"at most {f.max_occurs} allowed")
            items: Sequence[Any] = value
        else:
            items = (value,)
        for item in items:
            if f.nested is not None:
                _element(item, f, pad, depth, out)
            elif f.exact is not None and item.__class__ is f.spec.inner:
                # a member of the field's own code list, a boolean or a date: valid as
                # typed, written as xsdata's converters write it
                parts.append(f"{pad}<{f.name}>{f.exact(item)}</{f.name}>")
            else:
                parts.append(f"{pad}<{f.name}>{out.text(f.name, f.spec, item)}</{f.name}>")
    if plan.choice and len(present) != 1:
        out.problem("", "choice", f"exactly one alternative required, {len(present)} given")
    return bool(present)


def _element(item: Any, f: _Field, pad: str, depth: int, out: _Out) -> None:
    nested = f.nested
    assert nested is not None
    if type(item) is not nested and not isinstance(item, nested):
        out.problem(f.name, "type", f"expected {nested.__name__}")
        return
    plan = _plan(nested)
    parts = out.parts
    out.path.append(f.name)
    if plan.simple_content:
        attributes = []
        text = ""
        for g in plan.by_attr.values():
            value = getattr(item, g.attr)
            if value is None:
                if g.required:
                    out.problem("@" + g.name if g.kind == _ATTRIBUTE else "", "required", "missing")
                continue
            if g.kind == _ATTRIBUTE:
                attributes.append(f' {g.name}="{out.attribute("@" + g.name, g.spec, value)}"')
            else:
                text = out.text("", g.spec, value)
        parts.append(f"{pad}<{f.name}{''.join(attributes)}>{text}</{f.name}>")
    else:
        parts.append(f"{pad}<{f.name}>")
        if _children(item, plan, depth + 1, out):
            parts.append(f"{pad}</{f.name}>")
        else:
            parts[-1] = f"{pad}<{f.name}/>"
    out.path.pop()


# -- templates: a document shape rendered once, filled per document ------------------------
#
# Building the instance tree and walking it costs far more than the values it carries
# vary: documents of one shape (the same optional parts present, the same codes) differ
# only in their simple values. `template` renders a document of that shape whose
# variable values are `Slot`s through the walk above, so the structure is still the
# generated classes'; `Template.fill` then writes each value as the walk would, after the
# same check against the field it goes into.


class Slot:
    """Stands for ``values[index]`` in a document rendered by `template`."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


_Write = Callable[[Any], str]
_MARKER = re.compile("\x00([0-9]+)\x00")  # NUL: in no element name, code or XML text


class _SlotOut(_Out):
    """Writes a `Slot` as a marker of its occurrence and records the field it fills (not
    checked: the value comes later); every other value is checked as `render` checks it."""

    __slots__ = ("slots",)

    def __init__(self) -> None:
        super().__init__()
        self.slots: list[tuple[int, Any, _Write]] = []

    def text(self, name: str, spec: Any, value: Any) -> str:
        if isinstance(value, Slot):
            # a value that passed the field's check is of its declared type
            return self._slot(value, spec, _typed_writer(spec.inner) or _text)
        return super().text(name, spec, value)

    def attribute(self, name: str, spec: Any, value: Any) -> str:
        if isinstance(value, Slot):
            return self._slot(value, spec, _attribute)
        return super().attribute(name, spec, value)

    def _slot(self, slot: Slot, spec: Any, write: _Write) -> str:
        self.slots.append((slot.index, spec, write))
        return f"\x00{len(self.slots) - 1}\x00"


class Template(NamedTuple):
    """A document's XML cut at its variable values: ``head``, then for each slot the
    value written and the fixed text after it (a value may fill several slots)."""

    head: str
    slots: tuple[tuple[int, Any, _Write, str], ...]  # (index in the values, spec, writer, after)
    problems: tuple[Violation, ...]  # what the shape breaks whatever its values

    def fill(self, values: Sequence[Any]) -> str | None:
        """What `render` writes of the document of this shape built from ``values``; None
        if it breaks a restriction (`render` of that document says which)."""
        if self.problems:
            return None
        parts = [self.head]
        for index, spec, write, after in self.slots:
            value = values[index]
            if spec.check(spec, value) is not None:  # value_problem, without its call
                return None
            parts += (write(value), after)
        return "".join(parts)


def template(document: Any, namespace: str) -> Template:
    """``document``, whose variable simple values are `Slot`s, as a `Template`."""
    out = _SlotOut()
    pieces = _MARKER.split(_render(document, namespace, out))
    occurrences = [int(i) for i in pieces[1::2]]
    assert sorted(occurrences) == list(range(len(out.slots)))  # each written once
    slots = tuple(
        (*out.slots[i], after) for i, after in zip(occurrences, pieces[2::2], strict=True)
    )
    return Template(pieces[0], slots, tuple(out.problems))
