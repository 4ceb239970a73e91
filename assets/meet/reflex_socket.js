// When Reflex's websocket drops and when it is connected again.
//
// Reflex 0.10.1 (utils/state.js) calls `window.__reflex_otel?.onSocketDisconnect?.(reason)`
// when an open socket drops and `window.__reflex_otel?.onSocketConnect?.()` on
// every (re)connect: an instrumentation hook (reflex-otel installs one). We
// chain onto it, keeping any hook installed before ours. Pinned by
// tests/unit/test_worker_failure.py.

/** Call `onDrop(reason)` / `onConnect()` when Reflex's socket drops / connects. */
export function watchReflexSocket({ onDrop, onConnect }) {
  if (typeof window === "undefined") return;
  const hooks = window.__reflex_otel || (window.__reflex_otel = {});
  const before = { drop: hooks.onSocketDisconnect, connect: hooks.onSocketConnect };
  hooks.onSocketDisconnect = (reason) => {
    before.drop?.(reason);
    onDrop(reason);
  };
  hooks.onSocketConnect = () => {
    before.connect?.();
    onConnect();
  };
}
