"""The one shape of every error the app shows or logs: a code and plain words."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "ProblemError"]


@dataclass(frozen=True)
class Problem:
    """A refusal or failure.

    Attributes:
        code: Short machine-readable code, e.g. ``"name_too_long"``.
        description: One plain-English sentence for people.
    """

    code: str
    description: str


class ProblemError(Exception):
    """An exception carrying a :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        """Wrap ``problem``.

        Args:
            problem: What went wrong.
        """
        super().__init__(f"{problem.code}: {problem.description}")
        self.problem = problem
