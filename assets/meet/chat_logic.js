// Pure helpers of the room chat (no DOM), unit-tested with node --test.

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

/**
 * Split a message into text and link segments. Only http(s) URLs become
 * links; everything stays text for React to escape, so no HTML or script from
 * a message is ever interpreted.
 * @returns {Array<{type: "text"|"link", text: string, href?: string}>}
 */
export function linkify(text) {
  const value = String(text ?? "");
  const out = [];
  let last = 0;
  for (const match of value.matchAll(URL_PATTERN)) {
    let url = match[0];
    const trailing = url.match(TRAILING);
    if (trailing) url = url.slice(0, -trailing[0].length);
    let href;
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") continue;
      href = parsed.href;
    } catch (_) {
      continue;
    }
    if (match.index > last) out.push({ type: "text", text: value.slice(last, match.index) });
    out.push({ type: "link", text: url, href });
    last = match.index + url.length;
  }
  if (last < value.length) out.push({ type: "text", text: value.slice(last) });
  return out;
}

/**
 * Merge message lists (history, live public, live direct) into one list,
 * without duplicates, oldest first, at most `limit` messages.
 */
export function mergeMessages(lists, limit = 500) {
  const byId = new Map();
  for (const list of lists) {
    for (const message of list || []) {
      if (message && message.id !== undefined && message.id !== null) byId.set(String(message.id), message);
    }
  }
  const merged = [...byId.values()].sort(
    (a, b) => (a.sent || 0) - (b.sent || 0) || String(a.id).localeCompare(String(b.id)),
  );
  return merged.slice(-limit);
}

/** Messages from others that arrived after the last one seen. */
export function unreadCount(messages, lastSeenId, selfId) {
  let seenAt = -1;
  if (lastSeenId !== null && lastSeenId !== undefined) {
    seenAt = messages.findIndex((m) => String(m.id) === String(lastSeenId));
  }
  return messages.slice(seenAt + 1).filter((m) => m.sender_id !== selfId).length;
}
