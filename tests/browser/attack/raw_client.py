"""Moved to :mod:`launch.raw_client` (shared with bench/); kept for old imports."""

from launch.raw_client import *  # noqa: F403
