// Label text in the browser: the browser side of components.labels.

// Fill a label template's {placeholders} (format_label).
export function fill(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (_, key) =>
    values[key] === undefined ? "" : String(values[key]),
  );
}

// The prerendered page's language, and what a table falls back to.
export const BUILT_LANGUAGE = "en";

// A translated label's text ({"en": …, "de": …}) in one language.
export function meetText(language, table) {
  if (!table) return "";
  const text = table[language];
  return typeof text === "string" ? text : (table[BUILT_LANGUAGE] ?? "");
}

// The language the <head> script chose (data-meet-language), else English.
export function chosenLanguage(root) {
  const value = root?.getAttribute?.("data-meet-language");
  return value || BUILT_LANGUAGE;
}
