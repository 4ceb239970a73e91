// The page's language for the labels (components/labels.py).
//
// A translated label compiles to `meetText(meetLanguage, {"en": …, "de": …})`
// with `const meetLanguage = useMeetLanguage()` in its component. The
// language is chosen once per page, before the first paint, by the script
// that components/labels.py puts in <head> (it sets <html lang> and
// data-meet-language from navigator.languages). The HTML that Reflex
// prerenders at build time is English, so the first (hydrating) render is
// English too and the chosen language follows straight after: no hydration
// mismatch. Meanwhile the kit's pages are hidden (the head script's
// `meet-lang-pending` class, see theme.css): no English flashes first.
import { useLayoutEffect, useSyncExternalStore } from "react";
import { BUILT_LANGUAGE, chosenLanguage } from "./text.js";

export const PENDING_CLASS = "meet-lang-pending";

const root = () => (typeof document === "undefined" ? null : document.documentElement);
// The choice is made once per page load: nothing to subscribe to.
const subscribe = () => () => {};
const clientLanguage = () => chosenLanguage(root());
// What the prerendered HTML was built with: the hydrating render matches it.
const serverLanguage = () => BUILT_LANGUAGE;

// The page's language for this render; when it differs from the
// prerendered HTML's, React renders once more right after hydration, and
// the page is shown.
export function useMeetLanguage() {
  const language = useSyncExternalStore(subscribe, clientLanguage, serverLanguage);
  useLayoutEffect(() => {
    if (language === clientLanguage()) root()?.classList.remove(PENDING_CLASS);
  }, [language]);
  return language;
}
