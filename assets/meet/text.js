// Fill a label template's {placeholders} (the browser side of
// components.labels.format_label).
export function fill(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (_, key) =>
    values[key] === undefined ? "" : String(values[key]),
  );
}
