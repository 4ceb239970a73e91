"""Reflex state classes of the meeting app (thin: the rules live in ``core``)."""

from state.ai import AiState
from state.chat import ChatState
from state.feedback import FeedbackState
from state.media import MediaState
from state.presence import RoomPresence
from state.profile import ProfileState
from state.room import RoomState
from state.roster_feed import RosterFeed
from state.session import SessionState

__all__ = [
    "AiState",
    "ChatState",
    "FeedbackState",
    "MediaState",
    "ProfileState",
    "RoomPresence",
    "RoomState",
    "RosterFeed",
    "SessionState",
]
