// Room chat in the browser: a small store fed by the server's message lists,
// the chat toggle (with unread badge) and the panel. Opening and closing the
// panel is local to the tab: no server event, no room traffic.
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { linkify, mergeMessages, unreadCount } from "./chat_logic.js";
import { fill } from "./text.js";

const store = {
  messages: [],
  open: false,
  lastSeenId: null,
  selfId: "",
  version: 0,
  listeners: new Set(),
  changed() {
    this.version += 1;
    for (const listener of [...this.listeners]) listener();
  },
};

function useChat() {
  useSyncExternalStore(
    (fn) => {
      store.listeners.add(fn);
      return () => store.listeners.delete(fn);
    },
    () => store.version,
    () => 0,
  );
  return store;
}

function markSeen() {
  const last = store.messages[store.messages.length - 1];
  store.lastSeenId = last ? last.id : null;
}

function setOpen(open) {
  store.open = open;
  if (open) markSeen();
  store.changed();
}

/** Invisible: merges history, live public and direct messages into the store. */
export function ChatFeed({ history, live, direct, selfId, labels }) {
  const [announcement, setAnnouncement] = useState("");
  const known = useRef(null);
  const text = labels || {};
  useEffect(() => {
    // The server's live list holds only the latest few messages: keep what
    // this tab already received (a new participant id starts afresh).
    const kept = store.selfId === (selfId || "") ? store.messages : [];
    const merged = mergeMessages([kept, history, live, direct]);
    const before = known.current;
    known.current = new Set(merged.map((m) => String(m.id)));
    store.selfId = selfId || "";
    store.messages = merged;
    if (store.open) markSeen();
    store.changed();
    if (before) {
      const fresh = merged.filter((m) => !before.has(String(m.id)) && m.sender_id !== selfId);
      const latest = fresh[fresh.length - 1];
      if (latest) {
        setAnnouncement(fill(latest.recipient_id ? text.new_direct_message : text.new_message, { name: latest.sender_name, text: latest.text }));
      }
    }
  }, [history, live, direct, selfId]);
  return (
    <div role="status" aria-live="polite" data-testid="chat-announcer" style={{ position: "absolute", width: 1, height: 1, overflow: "hidden", clip: "rect(0 0 0 0)" }}>
      {announcement}
    </div>
  );
}

/** The chat toggle for the control bar: aria-pressed, unread badge. */
export function ChatButton({ label, unreadLabel }) {
  const chat = useChat();
  const unread = chat.open ? 0 : unreadCount(chat.messages, chat.lastSeenId, chat.selfId);
  const name = unread ? `${label} (${fill(unreadLabel, { count: unread })})` : label;
  return (
    <button
      type="button"
      aria-label={name}
      title={name}
      aria-pressed={chat.open ? "true" : "false"}
      aria-controls="chat-panel"
      data-testid="toggle-chat"
      data-unread={unread}
      onClick={() => setOpen(!chat.open)}
      style={{
        position: "relative",
        display: "inline-flex",
        alignItems: "center",
        justifyContent: "center",
        width: "2.5rem",
        height: "2.5rem",
        borderRadius: "0.5rem",
        border: "none",
        cursor: "pointer",
        background: chat.open ? "#2563eb" : "rgba(127,127,127,0.18)",
        color: chat.open ? "#fff" : "inherit",
      }}
    >
      <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z" />
      </svg>
      {unread > 0 && (
        <span
          aria-hidden="true"
          data-testid="chat-unread"
          style={{ position: "absolute", top: -4, right: -4, minWidth: 18, height: 18, padding: "0 4px", borderRadius: 9, background: "#dc2626", color: "#fff", fontSize: 11, lineHeight: "18px", fontWeight: 700 }}
        >
          {unread > 99 ? "99+" : unread}
        </span>
      )}
    </button>
  );
}

function MessageText({ text }) {
  return (
    <span style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
      {linkify(text).map((part, i) =>
        part.type === "link" ? (
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer nofollow ugc" style={{ color: "#2563eb", textDecoration: "underline" }}>
            {part.text}
          </a>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </span>
  );
}

function timeOf(sent) {
  try {
    return new Date(sent).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  } catch (_) {
    return "";
  }
}

/** The chat panel: messages, recipient choice, the composer and its error. */
let sendSeq = 0;

export function ChatPanel({ participants, labels, error, errorCode, onSend, maxLength, sentNonce }) {
  const chat = useChat();
  const text = labels || {};
  const list = useRef(null);
  const [draft, setDraft] = useState("");
  const [to, setTo] = useState("");
  // The message sent and not yet accepted: its draft stays until the server
  // says it was stored (a refused one keeps it, and the error says why).
  const pending = useRef(null);
  useEffect(() => {
    const sent = pending.current;
    if (!sent || sentNonce !== sent.nonce) return;
    pending.current = null;
    setDraft((current) => (current === sent.draft ? "" : current));
  }, [sentNonce]);
  const others = (participants || []).filter((p) => p.id !== chat.selfId);
  useEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [chat.messages, chat.open]);
  useEffect(() => {
    if (to && !others.some((p) => p.id === to)) setTo("");
  }, [participants]);
  if (!chat.open) return null;
  const submit = (event) => {
    event.preventDefault();
    const message = draft.trim();
    if (!message) return;
    sendSeq += 1;
    const nonce = `m${Date.now().toString(36)}${sendSeq}`;
    pending.current = { nonce, draft };
    onSend?.({ text: message, to, nonce });
  };
  return (
    <section
      id="chat-panel"
      aria-label={text.chat}
      data-testid="chat-panel"
      style={{ display: "flex", flexDirection: "column", width: "20rem", maxWidth: "100%", height: "100%", minHeight: "24rem", borderLeft: "1px solid rgba(127,127,127,0.3)", padding: "0.75rem", gap: "0.5rem" }}
    >
      <div style={{ display: "flex", justifyContent: "space-between", alignItems: "center" }}>
        <h2 style={{ margin: 0, fontSize: "1rem" }}>{text.chat}</h2>
        <button type="button" aria-label={text.close_chat} onClick={() => setOpen(false)} style={{ border: "none", background: "transparent", cursor: "pointer", fontSize: "1.1rem" }}>
          ×
        </button>
      </div>
      <ol ref={list} data-testid="chat-messages" aria-label={text.chat_messages} style={{ listStyle: "none", margin: 0, padding: 0, flex: 1, overflowY: "auto", display: "flex", flexDirection: "column", gap: "0.5rem" }}>
        {chat.messages.length === 0 && <li style={{ color: "#888" }}>{text.chat_empty}</li>}
        {chat.messages.map((m) => {
          const mine = m.sender_id === chat.selfId;
          const direct = !!m.recipient_id;
          const who = direct
            ? mine
              ? fill(text.direct_to, { name: m.recipient_name || "" })
              : fill(text.direct_from, { name: m.sender_name })
            : mine
              ? text.you_said
              : m.sender_name;
          return (
            <li key={m.id} data-testid="chat-message" data-direct={direct ? "true" : "false"} data-sender={m.sender_id} style={{ padding: "0.4rem 0.5rem", borderRadius: "0.5rem", background: direct ? "rgba(37,99,235,0.12)" : "rgba(127,127,127,0.12)" }}>
              <div style={{ fontSize: "0.75rem", color: "#666", display: "flex", justifyContent: "space-between", gap: "0.5rem" }}>
                <strong>{who}</strong>
                <time dateTime={new Date(m.sent || 0).toISOString()}>{timeOf(m.sent)}</time>
              </div>
              <MessageText text={m.text} />
            </li>
          );
        })}
      </ol>
      <form onSubmit={submit} style={{ display: "flex", flexDirection: "column", gap: "0.4rem" }}>
        <label style={{ fontSize: "0.8rem", display: "flex", flexDirection: "column", gap: "0.2rem" }}>
          {text.send_to}
          <select value={to} onChange={(e) => setTo(e.target.value)} data-testid="chat-recipient">
            <option value="">{text.everyone}</option>
            {others.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label style={{ fontSize: "0.8rem", display: "flex", flexDirection: "column", gap: "0.2rem" }}>
          {text.message}
          <textarea
            value={draft}
            maxLength={maxLength || 2000}
            rows={2}
            data-testid="chat-input"
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) submit(e);
            }}
          />
        </label>
        {(error || errorCode) && (
          <div role="alert" data-testid="chat-error" data-code={errorCode || ""} style={{ color: "#b91c1c", fontSize: "0.8rem" }}>
            {text[errorCode] || error}
          </div>
        )}
        <button type="submit" data-testid="chat-send" disabled={!draft.trim()}>
          {text.send}
        </button>
      </form>
    </section>
  );
}
