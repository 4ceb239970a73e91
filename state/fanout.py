"""Send a shared state's changes to the other members only when it changed.

Reflex 0.10.1 counts a linked ``rx.SharedState`` as changed by *every* event
that loads it (``reflex/istate/shared.py``, ``_modify_linked_states``): its
condition ``linked_state._previous_dirty_vars is not None`` is always true
for a ``SharedState`` (the set exists from the start), ``_was_touched`` is
set on whole trees by the disk state manager, and ``_previous_dirty_vars`` is
only refreshed by ``_clean``, which runs on dirty states alone, so it still
holds the vars of an earlier event. The disk state manager keeps every
tab's whole tree in memory, so the room is loaded for every event of every
member: a width report, a Calls request or a chat draft re-sent the room to
everyone (reflex-dev/reflex#6392; PR #6841 and #7237 change parts of it).
And a tab linking itself to the room marks all of the room's vars dirty so
that the tab receives them; those were then re-sent to every other member.

:func:`install` replaces three internals, once, at start-up:

* ``SharedStateBaseInternal._internal_patch_linked_state``: a linked state
  patched into a tab's tree for an event starts that event with nothing
  changed (``_previous_dirty_vars`` emptied), and when it is a new link the
  values it was linked with are remembered;
* ``SharedStateBaseInternal._modify_linked_states``: Reflex's own, except
  that the other members are updated only with the *frontend* vars this
  event changed (backend vars are never sent), and a var marked only because
  a tab linked itself is sent only if its value really changed;
* ``SharedStateBaseInternal._collect_shared_token_updates`` (a room changed
  through its own token, e.g. by an HTTP route): the same rule;
* when a member's change is applied to the other members' tabs with Reflex's
  Redis state manager, each tab reads its own copy of the room without taking
  the room's lock (Reflex locked the room for each of them in turn);
* ``reflex.istate.shared._patch_state``: patching a linked state into a tab's
  tree marked the tab's router data dirty every time, so each member received
  its own router data (≈ 1.2 KB of headers and URL) again with every change
  of the room, and with every event of its own. Only linking and unlinking
  (a full delta) mark it now.

``tests/unit/test_fanout_internals.py`` pins the source of each replaced
method, so an upgrade of Reflex fails loudly there; the behaviour is pinned
by ``tests/unit/test_fanout.py`` and the traffic tests in ``tests/browser``.
The fix belongs upstream: see the README's notes.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from typing import Any

from reflex.istate import shared
from reflex.istate.manager import get_state_manager
from reflex.istate.manager.redis import StateManagerRedis
from reflex.istate.manager.token import BaseStateToken
from reflex.istate.shared import SharedState, SharedStateBaseInternal
from reflex.state import BaseState, StateUpdate
from reflex_base.constants.state import FIELD_MARKER
from reflex_base.registry import RegistrationContext

__all__ = ["changed_frontend_vars", "install", "installed"]

# What one room change sends: {shared state full name: {var: value}}.
Delta = dict[str, dict[str, Any]]

logger = logging.getLogger("meet.fanout")

# The Reflex methods replaced here, as shipped (kept for the pinning tests).
ORIGINALS: dict[str, Any] = {
    "_internal_patch_linked_state": (
        SharedStateBaseInternal._internal_patch_linked_state
    ),
    "_modify_linked_states": SharedStateBaseInternal._modify_linked_states,
    "_collect_shared_token_updates": (
        SharedStateBaseInternal._collect_shared_token_updates
    ),
    "_patch_state": shared._patch_state,
}


@contextlib.asynccontextmanager
async def _patch_state(
    original_state: BaseState, linked_state: BaseState, full_delta: bool = False
) -> AsyncIterator[None]:
    """Reflex's ``_patch_state``, marking router data dirty only for a full delta."""
    if (original_parent_state := original_state.parent_state) is None:
        msg = "Cannot patch root state as linked state."
        raise shared.ReflexRuntimeError(msg)
    state_name = original_state.get_name()
    original_parent_state.substates[state_name] = linked_state
    linked_parent_state = linked_state.parent_state
    linked_state.parent_state = original_parent_state
    try:
        if full_delta:
            linked_cls = type(linked_state)
            linked_state.dirty_vars.update(
                name
                for name, f in linked_cls.get_fields().items()
                if f._owner is linked_cls
            )
            linked_state.dirty_vars.update(linked_state.computed_vars)
            linked_state._mark_dirty()
            root_state = original_state._get_root_state()
            root_state.dirty_vars.update(shared.ROUTER_VARS)
            root_state.dirty_vars.add(shared.ROUTER_DATA)
            root_state._mark_dirty()
            with shared._suppress_delta_recording():
                await root_state._get_resolved_delta()
        yield
    finally:
        original_parent_state.substates[state_name] = original_state
        linked_state.parent_state = linked_parent_state
        original_cls = type(original_state)
        original_state._mark_dirty_computed_vars(
            name
            for name, f in original_cls.get_fields().items()
            if f._owner is original_cls
        )


# Per event (the asyncio task processing it): the public values of each state
# linked during the event, keyed by id(state), as they were when it linked.
_linked_values: ContextVar[dict[int, dict[str, Any]] | None] = ContextVar(
    "meet_fanout_linked_values", default=None
)


def _frontend_fields(state: BaseState) -> Iterator[str]:
    """The names of a state's own base vars that are sent to browsers."""
    cls = type(state)
    for name in cls.base_vars:
        if name in cls._frontend_var_names:
            yield name


def changed_frontend_vars(state: BaseState) -> set[str]:
    """The frontend vars of a linked state that this event really changed.

    Args:
        state: A shared state after the event (its ``_clean`` has run).

    Returns:
        The names to send to the other members: dirty vars this event set,
        minus backend vars, minus vars only marked by a tab linking itself
        whose value is what it was at linking.
    """
    dirty = getattr(state, "_previous_dirty_vars", None) or set()
    names = dirty & type(state)._frontend_var_names
    at_link = (_linked_values.get() or {}).get(id(state))
    if at_link:
        names = {
            name
            for name in names
            if name not in at_link or at_link[name] != state.get_value(name)
        }
    return names


async def _internal_patch_linked_state(
    self: SharedStateBaseInternal, token: str, full_delta: bool = False
) -> SharedStateBaseInternal:
    """Reflex's patch, then forget what earlier events changed in the state."""
    linked = await ORIGINALS["_internal_patch_linked_state"](
        self, token, full_delta=full_delta
    )
    linked._previous_dirty_vars = set()
    if full_delta:
        values = _linked_values.get()
        if values is not None:
            values[id(linked)] = {
                name: copy.deepcopy(linked.get_value(name))
                for name in _frontend_fields(linked)
            }
    return linked


def _forget_earlier_changes(state: BaseState) -> None:
    """Empty ``_previous_dirty_vars`` of every shared state in a loaded tree."""
    for substate in state.substates.values():
        if isinstance(substate, SharedState):
            substate._previous_dirty_vars = set()
        _forget_earlier_changes(substate)


def _collect_shared_token_updates(
    self: SharedStateBaseInternal,
    affected_tokens: set[str],
    current_dirty_vars: dict[str, set[str]],
    delta: Delta | None = None,
) -> None:
    """Find the members to update after a room changed through its own token."""
    for substate in self.substates.values():
        if not isinstance(substate, SharedState):
            continue
        if substate._linked_from:
            changed = changed_frontend_vars(substate)
            if changed:
                current_dirty_vars[substate.get_full_name()] = changed
                affected_tokens.update(substate._linked_from)
                if delta is not None:
                    delta[substate.get_full_name()] = _changed_values(substate, changed)
        _collect_shared_token_updates(
            substate, affected_tokens, current_dirty_vars, delta
        )


def _changed_values(state: BaseState, changed: set[str]) -> dict[str, Any]:
    """The delta entries of a shared state's changed vars, copied now."""
    return {
        name + FIELD_MARKER: copy.deepcopy(state.get_value(name)) for name in changed
    }


def _send_to_members(delta: Delta, tokens: set[str]) -> list[asyncio.Task]:
    """Send one room change, the same delta, straight to each member's socket.

    Reflex applied it to each member's own state (``app.modify_state`` per
    member: with Redis a lock, a read and a write of that member's state)
    to compute a delta that is the same for everyone: no state of a tab
    derives anything from the shared states (they are read in the browser).
    ``emit_update`` relays it to the worker holding the member's socket.

    Args:
        delta: ``{shared state's full name: {var: value}}``.
        tokens: The members' client tokens.

    Returns:
        The sending tasks.
    """
    app = RegistrationContext.get().app
    namespace = app.event_namespace
    if namespace is None or not delta:
        return []
    manager = namespace._token_manager
    update = StateUpdate(delta=delta)

    async def send(token: str) -> None:
        if await manager.is_token_connected(token):
            await namespace.emit_update(update, token)

    tasks = []
    for token in tokens:
        task = asyncio.create_task(send(token))
        shared.UPDATE_OTHER_CLIENT_TASKS.add(task)
        task.add_done_callback(shared._log_update_client_errors)
        tasks.append(task)
    return tasks


def _fresh_reads() -> bool:
    """Whether reading a state gives this caller an object of its own.

    True for Reflex's Redis state manager without opportunistic locks: every
    read is a fresh copy from Redis, so members can be updated from copies
    read without the room's lock, side by side.
    """
    manager = get_state_manager()
    return isinstance(manager, StateManagerRedis) and not manager._oplock_enabled


async def _patch_for_reading(
    original_state: BaseState, token: str, exit_stack: contextlib.AsyncExitStack
) -> BaseState:
    """Patch a copy of a linked state, read without its lock, into a tree.

    Applying another member's change to a tab only reads the room; Reflex
    took the room's lock for that too, so with Redis the updates of the other
    members of a room were made one after another, each a round trip to Redis
    holding the room's lock (5.5 s p95 for a change in a room of 50 with 3
    workers). Nothing of the copy is written back.
    """
    root = await get_state_manager().get_state(
        BaseStateToken(ident=token, cls=type(original_state))
    )
    linked = await root.get_state(type(original_state))
    await exit_stack.enter_async_context(_patch_state(original_state, linked))
    return linked


@contextlib.asynccontextmanager
async def _modify_linked_states(
    self: SharedStateBaseInternal,
    previous_dirty_vars: dict[str, set[str]] | None = None,
) -> AsyncIterator[None]:
    """Reflex's ``_modify_linked_states`` with the fan-out condition corrected.

    Args:
        self: The ``SharedStateBaseInternal`` of the tree an event runs on.
        previous_dirty_vars: Given when this applies another member's change
            to this tab (then nothing is sent on from here).

    Yields:
        None, with the linked states locked and patched into the tree.
    """
    holder = self._linked_locks_holder()
    if holder._exit_stack is not None:
        msg = "Cannot nest _modify_linked_states contexts."
        raise shared.ReflexRuntimeError(msg)
    if self._reflex_internal_links is None:
        msg = "No linked states to modify."
        raise shared.ReflexRuntimeError(msg)
    values_token = _linked_values.set({})
    holder._exit_stack = exit_stack = contextlib.AsyncExitStack()
    holder._held_locks = {}
    current_dirty_vars: dict[str, set[str]] = {}
    delta: Delta = {}
    affected_tokens: set[str] = set()
    try:
        for linked_state_name, linked_token in self._reflex_internal_links.items():
            linked_state_cls = self.get_root_state().get_class_substate(
                linked_state_name
            )
            try:
                original_state = self._get_state_from_cache(linked_state_cls)
            except ValueError:
                continue  # not needed by this event
            if previous_dirty_vars is not None and _fresh_reads():
                linked_state = await _patch_for_reading(
                    original_state, linked_token, exit_stack
                )
            else:
                linked_state = await original_state._internal_patch_linked_state(
                    linked_token
                )
            if (
                previous_dirty_vars
                and (dv := previous_dirty_vars.get(linked_state_name)) is not None
            ):
                linked_state.dirty_vars.update(dv)
                linked_state._mark_dirty()
        if not self._reflex_internal_links:
            # A shared state changed through its own token: whatever it holds
            # from earlier events is not this event's change.
            _forget_earlier_changes(self._get_root_state())
        async with exit_stack:
            yield None
            if previous_dirty_vars is None:
                me = self.rx_router_session.client_token
                for linked_state in self._held_locks_linked_states():
                    changed = changed_frontend_vars(linked_state)
                    if changed:
                        name = linked_state.get_full_name()
                        current_dirty_vars[name] = changed
                        delta[name] = _changed_values(linked_state, changed)
                        affected_tokens.update(
                            token for token in linked_state._linked_from if token != me
                        )
                if not self._reflex_internal_links:
                    base = await self.get_state(SharedStateBaseInternal)
                    _collect_shared_token_updates(
                        base,  # type: ignore[arg-type]
                        affected_tokens,
                        current_dirty_vars,
                        delta,
                    )
    finally:
        holder._exit_stack = None
        try:
            _linked_values.reset(values_token)
        except ValueError:  # left in another context than it was entered
            _linked_values.set(None)

    if previous_dirty_vars is None and affected_tokens:
        # After the locks are released: a member acting on it reads it saved.
        _send_to_members(delta, affected_tokens)


def installed() -> bool:
    """Whether :func:`install` has replaced Reflex's fan-out.

    Returns:
        True once installed.
    """
    return SharedStateBaseInternal._modify_linked_states is _modify_linked_states


def install() -> None:
    """Replace Reflex's shared-state fan-out with the corrected one (once)."""
    if installed():
        return
    SharedStateBaseInternal._internal_patch_linked_state = _internal_patch_linked_state  # type: ignore[method-assign]
    SharedStateBaseInternal._modify_linked_states = _modify_linked_states  # type: ignore[method-assign]
    SharedStateBaseInternal._collect_shared_token_updates = (  # type: ignore[method-assign]
        _collect_shared_token_updates
    )
    shared._patch_state = _patch_state
    logger.debug("shared-state fan-out corrected")
