"""Pure room logic: validation, roster commands, stage ordering.

No Reflex, no clock, no randomness, no I/O: plain functions over frozen
dataclasses, unit-tested in ``tests/unit``.
"""

from core.problems import Problem, ProblemError
from core.roster import Accepted, Refused, Room, Tracks, User, apply
from core.stage import StageLayout, Tile, order_stage, stage_capacity, tiles_for
from core.validation import (
    normalise_room_name,
    safe_return_path,
    validate_display_name,
)

__all__ = [
    "Accepted",
    "Problem",
    "ProblemError",
    "Refused",
    "Room",
    "StageLayout",
    "Tile",
    "Tracks",
    "User",
    "apply",
    "normalise_room_name",
    "order_stage",
    "safe_return_path",
    "stage_capacity",
    "tiles_for",
    "validate_display_name",
]
