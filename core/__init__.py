"""Pure room logic: validation, roster commands and their feed to browsers.

No Reflex, no clock, no randomness, no I/O: plain functions over frozen
dataclasses, unit-tested in ``tests/unit``.
"""

from reflex_meet.core.problems import Problem, ProblemError
from reflex_meet.core.roster import Accepted, Refused, Room, Tracks, User, apply
from reflex_meet.core.validation import (
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
    "Tracks",
    "User",
    "apply",
    "normalise_room_name",
    "safe_return_path",
    "validate_display_name",
]
