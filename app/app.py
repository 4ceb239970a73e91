"""This repository's app: the kit's pages at the site's root.

A host app does the same under a prefix of its own (README, "Add a room to
your app"); ``reflex run`` here serves this module.
"""

import os

import reflex as rx

from reflex_meet.app.mount import add_pages
from reflex_meet.components.labels_file import labels_from_environment
from reflex_meet.components.states import not_found_page

# Every visible string; a deployer may override them (MEET_LABELS_FILE).
LABELS = labels_from_environment(os.environ)

app = rx.App(
    theme=rx.theme(accent_color="orange", gray_color="sand", radius="large"),
    # The toasts' region is named from the labels too (sonner's default is
    # English "Notifications").
    toaster=rx.toast.provider(
        # Above the meeting's control bar (it sat on the Leave button).
        offset="calc(var(--meet-control-size) + 40px)",
        custom_attrs={"containerAriaLabel": LABELS["notifications"]},
    ),
)
add_pages(app, prefix="", labels=LABELS)
app.add_page(
    not_found_page(LABELS),
    route="404",
    title=LABELS["not_found_heading"],
)
