"""After leaving a meeting: "Did you experience any issues?"."""

from __future__ import annotations

import reflex as rx

from reflex_meet.core.paths import current as kit_paths
from reflex_meet.core.problems import Problem
from reflex_meet.core.version import APP_VERSION
from reflex_meet.records import service
from reflex_meet.state.profile import ProfileState
from reflex_meet.state.session import SessionState

__all__ = ["FeedbackState"]


class FeedbackState(rx.State):
    """The feedback form of the meeting this tab just left."""

    meeting_id: str = ""
    error_code: str = ""
    error: str = ""

    @rx.event
    async def load(self) -> rx.event.EventSpec | None:
        """Ask about the last meeting, or go home when there is none.

        Returns:
            A redirect home when this tab left no meeting.
        """
        session = await self.get_state(SessionState)
        if not session.last_meeting_id:
            return rx.redirect(kit_paths().home)
        self.meeting_id = session.last_meeting_id
        self.error_code = self.error = ""
        return None

    @rx.event
    async def submit(self, form: dict) -> rx.event.EventSpec | list | None:
        """Store the answer with the meeting id, then go home.

        Args:
            form: ``{"issues": "yes" | "no", "comment": str}``.

        Returns:
            Home with a thank-you toast, or None with an error shown.
        """
        if not self.meeting_id:
            return rx.redirect(kit_paths().home)
        answer = form.get("issues") if isinstance(form, dict) else None
        if answer not in ("yes", "no"):
            # The page words it from its labels (components/feedback.py).
            self.error_code = "feedback_choice_missing"
            self.error = ""
            return None
        problem = await service.submit_feedback(
            self.meeting_id, answer == "yes", form.get("comment") or None, APP_VERSION
        )
        if isinstance(problem, Problem):
            self.error_code, self.error = problem.code, problem.description
            return None
        return await self._done(thanks=True)

    @rx.event
    async def skip(self) -> list:
        """Go home without answering.

        Returns:
            Navigation home.
        """
        return await self._done(thanks=False)

    async def _done(self, *, thanks: bool) -> list:
        session = await self.get_state(SessionState)
        session.last_meeting_id = ""
        self.meeting_id = ""
        if thanks:  # the home page thanks them, in its own words (labels)
            profile = await self.get_state(ProfileState)
            profile.thank_next = True
        return [rx.redirect(kit_paths().home)]
