"""Moved to :mod:`launch.reflex_socket` (shared with bench/); kept for old imports."""

from launch.reflex_socket import *  # noqa: F403
