"""The page after a meeting: "Did you experience any issues?"."""

from __future__ import annotations

from collections.abc import Mapping

import reflex as rx

from reflex_meet.components.labels import merge
from reflex_meet.state.feedback import FeedbackState

__all__ = ["feedback_page"]

# Problem codes the page words from its labels (anything else: feedback_failed).
_ERRORS = (
    "feedback_choice_missing",
    "comment_too_long",
    "comment_control_chars",
    "records_unavailable",
)


def feedback_page(labels: Mapping[str, str] | None = None) -> rx.Component:
    """Yes/no and an optional comment, stored with the meeting id.

    Use it on a page whose ``on_load`` is ``FeedbackState.load``;
    ``RoomState.leave`` sends people here after a meeting.

    Args:
        labels: Label overrides.

    Returns:
        The page.

    Example:
        >>> from reflex_meet.components.feedback import feedback_page
        >>> page = feedback_page({"feedback_heading": "How was it?"})
    """
    text = merge(labels)
    return rx.center(
        rx.form(
            rx.vstack(
                rx.heading(text["feedback_heading"], as_="h1", size="6"),
                rx.radio_group.root(
                    rx.hstack(
                        rx.radio_group.item(value="yes", id="issues-yes"),
                        rx.el.label(text["feedback_yes"], html_for="issues-yes"),
                        rx.radio_group.item(value="no", id="issues-no"),
                        rx.el.label(text["feedback_no"], html_for="issues-no"),
                        spacing="2",
                        align="center",
                    ),
                    name="issues",
                    aria_label=text["feedback_heading"],
                    data_testid="feedback-choice",
                ),
                rx.el.label(
                    text["feedback_comment"],
                    html_for="feedback-comment",
                    font_size="0.9rem",
                ),
                rx.text_area(
                    id="feedback-comment",
                    name="comment",
                    max_length=2000,
                    width="100%",
                    data_testid="feedback-comment",
                ),
                rx.cond(
                    FeedbackState.error_code != "",
                    rx.callout(
                        rx.match(
                            FeedbackState.error_code,
                            *[(code, text[code]) for code in _ERRORS],
                            text["feedback_failed"],
                        ),
                        color_scheme="red",
                        role="alert",
                        data_testid="feedback-error",
                    ),
                ),
                rx.hstack(
                    rx.button(
                        text["feedback_send"],
                        type="submit",
                        data_testid="feedback-send",
                    ),
                    rx.button(
                        text["feedback_skip"],
                        type="button",
                        variant="soft",
                        on_click=FeedbackState.skip,
                        data_testid="feedback-skip",
                    ),
                    spacing="3",
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=FeedbackState.submit,
            reset_on_submit=False,
            width="100%",
            max_width="32rem",
        ),
        padding="3rem 1rem",
        width="100%",
        class_name="meet-page",
    )
