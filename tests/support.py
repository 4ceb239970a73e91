"""Moved to :mod:`launch.servers` (shared with bench/); kept for old imports."""

from launch.servers import *  # noqa: F403
