"""Background work started by an event or a room change, kept referenced.

asyncio keeps only weak references to tasks: one nobody holds may be
collected before it finishes. Work that must run after the caller's locks
are released (detaching a tab that left, sending a lobby visitor its entry)
is started here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

__all__ = ["spawn"]

_tasks: set[asyncio.Task] = set()


def spawn(work: Coroutine[Any, Any, None]) -> asyncio.Task:
    """Run ``work`` in the background, holding the task until it is done.

    Args:
        work: The coroutine (it logs its own failures).

    Returns:
        The task.
    """
    task = asyncio.create_task(work)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task
