// "Report a bug": a dialog that sends the description with diagnostics
// gathered here (room, meeting, own roster entry, the last 100 Calls
// request/response entries with SDP shortened, browser) to /_meet/bug-report.
// Plain HTTP: a report costs the room nothing.
import { useRef, useState } from "react";
import { fill } from "./text.js";

export function gatherDiagnostics({ room, meetingId, me, appVersion }) {
  const media = typeof window !== "undefined" ? window.meetMedia : null;
  return {
    room: room || "",
    meetingId: meetingId || "",
    appVersion: appVersion || "",
    me: me || null,
    browser: typeof navigator !== "undefined" ? navigator.userAgent : "",
    media: media
      ? {
          status: media.status,
          connection: media.connectionState,
          sessionId: media.sessionId,
          published: { ...media.published },
          pulled: [...media.pulled.keys()],
        }
      : null,
    callsHistory: media ? media.history.slice(-100) : [],
  };
}

export function BugReportButton({ labels, room, meetingId, me, appVersion, url }) {
  const text = labels || {};
  const dialog = useRef(null);
  const [description, setDescription] = useState("");
  const [state, setState] = useState({ kind: "idle" });

  const open = () => {
    setState({ kind: "idle" });
    dialog.current?.showModal();
  };
  const close = () => dialog.current?.close();
  const send = async (event) => {
    event.preventDefault();
    setState({ kind: "sending" });
    try {
      const response = await fetch(url || "/_meet/bug-report", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text: description, diagnostics: gatherDiagnostics({ room, meetingId, me, appVersion }) }),
      });
      const answer = await response.json().catch(() => ({}));
      if (response.ok && answer.reference) {
        setState({ kind: "sent", reference: answer.reference });
        setDescription("");
      } else {
        setState({ kind: "failed", description: answer.error?.description || `HTTP ${response.status}` });
      }
    } catch (err) {
      setState({ kind: "failed", description: String(err.message || err) });
    }
  };

  return (
    <>
      <button
        type="button"
        aria-label={text.report_bug}
        title={text.report_bug}
        aria-haspopup="dialog"
        data-testid="report-bug"
        onClick={open}
        className="meet-control"
      >
        <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M8 2l1.9 1.9M16 2l-1.9 1.9M9 7.1V6a3 3 0 0 1 6 0v1.1M12 20c-3.3 0-6-2.7-6-6v-3a4 4 0 0 1 4-4h4a4 4 0 0 1 4 4v3c0 3.3-2.7 6-6 6zM12 20v-9M6.5 13H3M21 13h-3.5M6 17l-3 2M18 17l3 2M6 9L3 7M18 9l3-2" />
        </svg>
      </button>
      <dialog ref={dialog} aria-labelledby="bug-report-title" data-testid="bug-report-dialog" className="meet-dialog">
        <form onSubmit={send} style={{ display: "flex", flexDirection: "column", gap: "0.75rem" }}>
          <h2 id="bug-report-title">{text.report_bug_heading}</h2>
          <p>{text.report_bug_body}</p>
          <label className="meet-field">
            {text.report_bug_description}
            <textarea className="meet-input" rows={4} maxLength={4000} required value={description} data-testid="bug-report-text" onChange={(e) => setDescription(e.target.value)} />
          </label>
          {state.kind === "sent" && (
            <p role="status" data-testid="bug-report-reference" data-reference={state.reference} className="meet-ok">
              {fill(text.report_bug_sent, { reference: state.reference })}
            </p>
          )}
          {state.kind === "failed" && (
            <p role="alert" data-testid="bug-report-error" className="meet-error">
              {fill(text.report_bug_failed, { description: state.description })}
            </p>
          )}
          <div className="meet-dialog-actions">
            <button type="button" className="meet-button meet-button-quiet" onClick={close}>
              {text.close}
            </button>
            <button type="submit" className="meet-button" data-testid="bug-report-send" disabled={state.kind === "sending" || !description.trim()}>
              {text.report_bug_send}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
