"""Board resolutions for the unit tests, built from the checked-in IIJ example."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from corpactions.contracts.board_resolution import BoardResolution

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "schemas"
    / "examples"
    / "board-resolution.iij-fy2016-interim.json"
)
IIJ: dict[str, Any] = json.loads(EXAMPLE.read_text())


def iij_dict(**changes: Any) -> dict[str, Any]:
    """The IIJ FY2016 interim resolution as JSON data, with top-level fields replaced."""
    data = copy.deepcopy(IIJ)
    data.update(changes)
    return data


def iij(**changes: Any) -> BoardResolution:
    return BoardResolution.model_validate_json(json.dumps(iij_dict(**changes)))
