"""The Reflex internals state.fanout replaces or relies on (reflex==0.10.1).

``state/fanout.py`` replaces three methods of ``SharedStateBaseInternal`` with
corrected copies. If a Reflex upgrade changes any of them (or what the copies
call), these tests fail here, loudly, so the copies are reviewed against the
new code instead of silently undoing an upstream fix.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect

from reflex.istate import shared
from reflex.istate.shared import SharedState, SharedStateBaseInternal
from reflex.state import BaseState

from reflex_meet.state import fanout
from reflex_meet.state.room import RoomState

# sha256 of each method's source as shipped in reflex 0.10.1.
PINNED = {
    "_internal_patch_linked_state": (
        "5199f7ec1698df79711d65ebae50a4c6fa153e50e772642fa87aac904cf44677"
    ),
    "_modify_linked_states": (
        "bdbdeccf3b8afa3ce791c0bec7f73e2ab7bf7d9a13af15833b4c040b7aa1833f"
    ),
    "_collect_shared_token_updates": (
        "e0d52937e42bb9ebc806ede96330f0320b45e75a19f8aa59770d509b37ece958"
    ),
    "_patch_state": (
        "9c4918579a38d33fa4b9018d8d4e441111aeff83d879bf0b2821812e3fe58be3"
    ),
    "_do_update_other_tokens": (
        "96b407ace6c280b42f3d29fa98c181b6b65e411dcc1d20aaeed0cb90f30e6cbd"
    ),
}


def _sha(function: object) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()  # type: ignore[arg-type]


def test_reflex_is_the_version_the_correction_was_written_for():
    assert importlib.metadata.version("reflex") == "0.10.1"


def test_the_replaced_methods_are_unchanged_upstream():
    for name, original in fanout.ORIGINALS.items():
        assert _sha(original) == PINNED[name], (
            f"reflex.istate.shared {name} changed in this Reflex: review "
            "state/fanout.py against it (and drop the correction if upstream "
            "fixed the fan-out)"
        )


def test_what_the_direct_send_replaces_and_relies_on_is_unchanged():
    # Reflex applies a change to each member through app.modify_state; the
    # copy sends the one delta instead (state.fanout._send_to_members).
    assert _sha(shared._do_update_other_tokens) == PINNED["_do_update_other_tokens"]
    assert isinstance(shared.UPDATE_OTHER_CLIENT_TASKS, set)
    assert callable(shared._log_update_client_errors)
    from reflex.app import EventNamespace
    from reflex.utils.token_manager import TokenManager

    assert list(inspect.signature(EventNamespace.emit_update).parameters) == [
        "self",
        "update",
        "token",
    ]
    assert "emit_lost_and_found" in inspect.getsource(EventNamespace.emit_update)
    assert callable(TokenManager.is_token_connected)
    assert fanout.FIELD_MARKER == "_rx_state_"


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_no_state_derives_anything_from_a_shared_state():
    """The direct send is right only if every member's delta is the same:
    no computed var, of any state, reads a shared state's vars."""
    import app.app  # noqa: F401

    shared_states = {
        c for c in _subclasses(SharedState) if c.__module__.startswith("reflex_meet")
    }
    assert RoomState in shared_states
    for cls in shared_states:
        assert not cls.computed_vars, cls
        assert not cls._potentially_dirty_states, cls


def test_the_bookkeeping_the_correction_reads_exists():
    # _previous_dirty_vars is a slot refreshed by _clean; SharedState starts it
    # as a set (the root of the upstream bug: "is not None" is always true).
    assert "_previous_dirty_vars" in SharedStateBaseInternal.__slots__
    assert "_previous_dirty_vars" in inspect.getsource(SharedStateBaseInternal._clean)
    assert "self._previous_dirty_vars = set()" in inspect.getsource(
        SharedState._init_bookkeeping
    )
    assert "roster_log" in RoomState._frontend_var_names
    assert "_users" not in RoomState._frontend_var_names
    assert "roster_log" in RoomState.base_vars
    assert callable(BaseState._get_state_from_cache)
    assert callable(SharedStateBaseInternal._held_locks_linked_states)
    assert callable(SharedStateBaseInternal._linked_locks_holder)


def test_the_app_installs_the_correction():
    import app.app  # noqa: F401

    assert fanout.installed()
    assert shared._patch_state is not fanout.ORIGINALS["_patch_state"]
    for name in ("ROUTER_VARS", "ROUTER_DATA", "_suppress_delta_recording"):
        assert hasattr(shared, name), f"the copy of _patch_state uses {name}"
    assert (
        SharedStateBaseInternal._modify_linked_states
        is not (fanout.ORIGINALS["_modify_linked_states"])
    )


def test_only_frontend_vars_changed_by_the_event_are_sent():
    room = object.__new__(RoomState)
    room._previous_dirty_vars = {"roster_log", "_users", "_tabs"}
    assert fanout.changed_frontend_vars(room) == {"roster_log"}
    room._previous_dirty_vars = {"_users"}
    assert fanout.changed_frontend_vars(room) == set()
    room._previous_dirty_vars = set()
    assert fanout.changed_frontend_vars(room) == set()
