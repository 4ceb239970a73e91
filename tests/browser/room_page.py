"""Moved to :mod:`launch.room_page` (shared with bench/); kept for old imports."""

from launch.room_page import *  # noqa: F403
