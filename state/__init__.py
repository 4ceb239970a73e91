"""Reflex state classes of the meeting app (thin: the rules live in ``core``)."""

from reflex_meet.state.ai import AiState
from reflex_meet.state.chat import ChatState
from reflex_meet.state.feedback import FeedbackState
from reflex_meet.state.media import MediaState
from reflex_meet.state.presence import RoomPresence
from reflex_meet.state.profile import ProfileState
from reflex_meet.state.room import RoomState
from reflex_meet.state.roster_feed import RosterFeed
from reflex_meet.state.session import SessionState

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
