// The meeting's layout pieces that need the browser: the stage grid that
// sizes its tiles to the box it gets (layout_logic.js), the "More" menu of the
// control bar on narrow screens, a local side sheet (settings) and the
// copy-link button. Nothing here talks to the server.
import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from "react";
import { DEFAULT_GAP, parseAspect, stageLayout } from "./layout_logic.js";

/**
 * The stage: places every child tile at the rectangle `stageLayout` gives
 * for the stage's current size (ResizeObserver), the pinned tile (or else a
 * shared screen) large. Aspect ratio and gap come from the CSS variables
 * --meet-tile-aspect and --meet-tile-gap.
 */
export function StageGrid({ children, className, ...rest }) {
  const box = useRef(null);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    let frame = 0;
    const place = () => {
      frame = 0;
      const style = getComputedStyle(el);
      const gapValue = Number.parseFloat(style.getPropertyValue("--meet-tile-gap"));
      const gap = Number.isFinite(gapValue) && gapValue >= 0 ? gapValue : DEFAULT_GAP;
      const aspect = parseAspect(style.getPropertyValue("--meet-tile-aspect"));
      const tiles = [...el.children].filter((c) => c.nodeType === 1);
      let focus = tiles.findIndex((t) => t.getAttribute("data-pinned") === "true");
      if (focus < 0) focus = tiles.findIndex((t) => t.getAttribute("data-kind") === "screen");
      const rects = stageLayout(tiles.length, el.clientWidth, el.clientHeight, { gap, aspect, focus });
      tiles.forEach((tile, i) => {
        const r = rects[i];
        const s = tile.style;
        if (!r) {
          s.visibility = "hidden";
          return;
        }
        s.visibility = "";
        s.left = `${r.x}px`;
        s.top = `${r.y}px`;
        s.width = `${r.width}px`;
        s.height = `${r.height}px`;
      });
      el.setAttribute("data-placed", "true");
      el.setAttribute("data-layout", focus >= 0 && tiles.length > 1 ? "focus" : "grid");
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(place);
    };
    place();
    const resize = new ResizeObserver(schedule);
    resize.observe(el);
    const mutations = new MutationObserver(place);
    mutations.observe(el, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-pinned", "data-kind"] });
    return () => {
      if (frame) cancelAnimationFrame(frame);
      resize.disconnect();
      mutations.disconnect();
    };
  }, []);
  return (
    <div ref={box} className={["meet-stage-grid", className].filter(Boolean).join(" ")} {...rest}>
      {children}
    </div>
  );
}

function MoreIcon() {
  return (
    <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="currentColor">
      <circle cx="12" cy="5" r="2" />
      <circle cx="12" cy="12" r="2" />
      <circle cx="12" cy="19" r="2" />
    </svg>
  );
}

/**
 * Secondary controls: in the bar on wide screens; behind a "More" button
 * (a small menu above the bar) on narrow ones. The controls are the same
 * elements either way (CSS decides), so nothing is mounted twice.
 */
export function MoreControls({ label, children }) {
  const [open, setOpen] = useState(false);
  const root = useRef(null);
  const button = useRef(null);
  useEffect(() => {
    if (!open) return undefined;
    const outside = (event) => {
      if (root.current && !root.current.contains(event.target)) setOpen(false);
    };
    const key = (event) => {
      if (event.key === "Escape") {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener("pointerdown", outside);
    document.addEventListener("keydown", key);
    return () => {
      document.removeEventListener("pointerdown", outside);
      document.removeEventListener("keydown", key);
    };
  }, [open]);
  useEffect(() => {
    if (open) root.current?.querySelector(".meet-more-group button:not(:disabled)")?.focus();
  }, [open]);
  return (
    <div ref={root} className="meet-more" data-open={open ? "true" : "false"}>
      <button
        ref={button}
        type="button"
        className="meet-control meet-more-button"
        aria-label={label}
        title={label}
        aria-haspopup="true"
        aria-expanded={open ? "true" : "false"}
        aria-controls="meet-more-group"
        data-testid="more-controls"
        onClick={() => setOpen(!open)}
      >
        <MoreIcon />
      </button>
      <div
        id="meet-more-group"
        className="meet-more-group"
        role="group"
        aria-label={label}
        onClick={(event) => {
          if (open && event.target.closest && event.target.closest("button")) setOpen(false);
        }}
      >
        {children}
      </div>
    </div>
  );
}

// Local side sheets (only the settings sheet uses this today).
const sheets = {
  open: "",
  listeners: new Set(),
  set(name) {
    this.open = name;
    for (const fn of [...this.listeners]) fn();
  },
};

function useSheet() {
  return useSyncExternalStore(
    (fn) => {
      sheets.listeners.add(fn);
      return () => sheets.listeners.delete(fn);
    },
    () => sheets.open,
    () => "",
  );
}

function GearIcon() {
  return (
    <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      <path d="M12.22 2h-.44a2 2 0 0 0-2 2v.18a2 2 0 0 1-1 1.73l-.43.25a2 2 0 0 1-2 0l-.15-.08a2 2 0 0 0-2.73.73l-.22.38a2 2 0 0 0 .73 2.73l.15.1a2 2 0 0 1 1 1.72v.51a2 2 0 0 1-1 1.74l-.15.09a2 2 0 0 0-.73 2.73l.22.38a2 2 0 0 0 2.73.73l.15-.08a2 2 0 0 1 2 0l.43.25a2 2 0 0 1 1 1.73V20a2 2 0 0 0 2 2h.44a2 2 0 0 0 2-2v-.18a2 2 0 0 1 1-1.73l.43-.25a2 2 0 0 1 2 0l.15.08a2 2 0 0 0 2.73-.73l.22-.39a2 2 0 0 0-.73-2.73l-.15-.08a2 2 0 0 1-1-1.74v-.5a2 2 0 0 1 1-1.74l.15-.09a2 2 0 0 0 .73-2.73l-.22-.38a2 2 0 0 0-2.73-.73l-.15.08a2 2 0 0 1-2 0l-.43-.25a2 2 0 0 1-1-1.73V4a2 2 0 0 0-2-2z" />
      <circle cx="12" cy="12" r="3" />
    </svg>
  );
}

/** The toggle of a local sheet (aria-pressed). */
export function SheetButton({ sheet, label, testId }) {
  const open = useSheet() === sheet;
  return (
    <button
      type="button"
      className="meet-control"
      aria-label={label}
      title={label}
      aria-pressed={open ? "true" : "false"}
      aria-controls={`${sheet}-sheet`}
      data-testid={testId}
      onClick={() => sheets.set(open ? "" : sheet)}
    >
      <GearIcon />
    </button>
  );
}

/** A side sheet (full screen on phones) shown while its button is pressed; Escape closes it. */
export function Sheet({ sheet, heading, closeLabel, testId, children }) {
  const open = useSheet() === sheet;
  useEffect(() => {
    if (!open) return undefined;
    // Escape closes it, as it would a dialog or a popover.
    const key = (event) => {
      if (event.key === "Escape" && !event.defaultPrevented) sheets.set("");
    };
    document.addEventListener("keydown", key);
    return () => document.removeEventListener("keydown", key);
  }, [open]);
  if (!open) return null;
  return (
    <section id={`${sheet}-sheet`} className="meet-sheet" aria-label={heading} data-testid={testId}>
      <div className="meet-sheet-header">
        <h2>{heading}</h2>
        <button type="button" className="meet-sheet-close" aria-label={closeLabel} title={closeLabel} onClick={() => sheets.set("")}>
          ×
        </button>
      </div>
      {children}
    </section>
  );
}

/** Copies this room's link (the lobby's address) to the clipboard. */
export function CopyLinkButton({ label, copiedLabel, url }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return undefined;
    const timer = setTimeout(() => setCopied(false), 2500);
    return () => clearTimeout(timer);
  }, [copied]);
  const copy = async () => {
    const link = new URL(url || "", window.location.href).href;
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
    } catch (_) {
      setCopied(false);
    }
  };
  return (
    <button type="button" className="meet-button" data-testid="waiting-copy-link" data-copied={copied ? "true" : "false"} onClick={copy}>
      <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
        <path d="M10 13a5 5 0 0 0 7.54.54l3-3a5 5 0 0 0-7.07-7.07l-1.72 1.71" />
        <path d="M14 11a5 5 0 0 0-7.54-.54l-3 3a5 5 0 0 0 7.07 7.07l1.71-1.71" />
      </svg>
      <span aria-live="polite">{copied ? copiedLabel : label}</span>
    </button>
  );
}
