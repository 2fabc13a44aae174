"""Announcement capture: an issuer's dividend announcement (text) -> board-resolution and
forecast messages, and the list of what a person must confirm.

``extract(text, options)`` reads the text (``reading.py``: tables and prose, each value
with where it was read) and builds messages valid against the published contracts
(``messages.py``). Dates and amounts are read with ``dateparser`` and ``price-parser``
(``values.py``), which is why this package is imported only by `corpactions extract`.
"""

from __future__ import annotations

from corpactions.announcements.messages import Extraction, OtherListingOption, Overrides, build
from corpactions.announcements.reading import read

__all__ = ["Extraction", "OtherListingOption", "Overrides", "extract"]


def extract(text: str, options: Overrides | None = None) -> Extraction:
    """The messages one announcement makes, with its review (see ``messages.py``)."""
    return build(read(text), options or Overrides())
