// Room notices: join/leave/mute toasts plus a polite live region for screen
// readers. The room's shared state keeps the last few notices with a
// sequence number; this component shows each new one exactly once.
import { useEffect, useRef, useState } from "react";
import { toast } from "sonner";
import { fill } from "./text.js";

export function noticeText(notice, selfId, labels, nameOf) {
  if (!notice) return null;
  if (notice.kind === "muted") {
    if (notice.user_id !== selfId) return null;
    return fill(labels.muted_by_other, { name: nameOf(notice.by) || notice.by_name || "" });
  }
  if (notice.user_id === selfId) return null;
  const template = {
    joined: labels.joined_notice,
    left: labels.left_notice,
    timed_out: labels.timed_out_notice,
  }[notice.kind];
  return template ? fill(template, { name: notice.name }) : null;
}

export function RoomNotices({ notices, selfId, labels, users, quiet }) {
  const lastSeq = useRef(null);
  // Every participant id this tab has been: leaving clears the id in the
  // same update that brings the "left" notice, which is not news to oneself.
  const ownIds = useRef(new Set());
  if (selfId) ownIds.current.add(selfId);
  const [announcement, setAnnouncement] = useState("");
  useEffect(() => {
    const list = Array.isArray(notices) ? notices : [];
    const maxSeq = list.reduce((m, n) => Math.max(m, Number(n.seq) || 0), 0);
    if (lastSeq.current === null) {
      // First render: history is not news.
      lastSeq.current = maxSeq;
      return;
    }
    const names = {};
    for (const u of users || []) names[u.id] = u.name;
    const texts = list
      .filter((n) => (Number(n.seq) || 0) > lastSeq.current)
      .filter((n) => n.kind === "muted" || !ownIds.current.has(n.user_id))
      .map((n) => noticeText(n, selfId, labels || {}, (id) => names[id]))
      .filter(Boolean);
    lastSeq.current = Math.max(lastSeq.current, maxSeq);
    if (texts.length === 0) return;
    if (!quiet) texts.forEach((t) => toast(t, { duration: 3000 }));
    setAnnouncement(texts.join(". "));
  }, [notices, selfId, labels, users, quiet]);
  return (
    <div
      role="status"
      aria-live="polite"
      aria-atomic="true"
      data-testid="room-announcer"
      style={{
        position: "absolute", width: 1, height: 1, padding: 0, margin: -1,
        overflow: "hidden", clip: "rect(0,0,0,0)", whiteSpace: "nowrap", border: 0,
      }}
    >
      {announcement}
    </div>
  );
}
