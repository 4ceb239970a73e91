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
      className="meet-control"
      style={{ position: "relative" }}
    >
      <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z" />
      </svg>
      {unread > 0 && (
        <span aria-hidden="true" data-testid="chat-unread" className="meet-chat-unread">
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
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer nofollow ugc">
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
      className="meet-sheet meet-chat"
    >
      <div className="meet-sheet-header">
        <h2>{text.chat}</h2>
        <button type="button" className="meet-sheet-close" aria-label={text.close_chat} title={text.close_chat} data-testid="close-chat" onClick={() => setOpen(false)}>
          ×
        </button>
      </div>
      <ol ref={list} data-testid="chat-messages" aria-label={text.chat_messages} className="meet-chat-messages">
        {chat.messages.length === 0 && <li className="meet-chat-empty">{text.chat_empty}</li>}
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
            <li key={m.id} data-testid="chat-message" data-direct={direct ? "true" : "false"} data-sender={m.sender_id} className="meet-chat-message">
              <div className="meet-chat-meta">
                <strong>{who}</strong>
                <time dateTime={new Date(m.sent || 0).toISOString()}>{timeOf(m.sent)}</time>
              </div>
              <MessageText text={m.text} />
            </li>
          );
        })}
      </ol>
      <form onSubmit={submit} className="meet-chat-form">
        <label className="meet-field">
          {text.send_to}
          <select className="meet-input" value={to} onChange={(e) => setTo(e.target.value)} data-testid="chat-recipient">
            <option value="">{text.everyone}</option>
            {others.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="meet-field">
          {text.message}
          <textarea
            className="meet-input"
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
          <div role="alert" data-testid="chat-error" data-code={errorCode || ""} className="meet-error">
            {text[errorCode] || error}
          </div>
        )}
        <button type="submit" className="meet-button" data-testid="chat-send" disabled={!draft.trim()}>
          <svg aria-hidden="true" width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
            <path d="M22 2 11 13M22 2l-7 20-4-9-9-4z" />
          </svg>
          {text.send}
        </button>
      </form>
    </section>
  );
}
