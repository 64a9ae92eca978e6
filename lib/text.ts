// Peer-controlled text at display time: user agents and other strings a peer chose reach terminals, HTML and CSV.
// Control characters (C0, DEL, C1) would move a terminal's cursor, recolour it, or hide text; they are shown as
// visible `\xHH` escapes instead (CSV, tables, HTML, ARFF), or `\u00HH` inside JSON strings. The stored data keeps
// what the peer sent (visits.user_agent_hex holds the exact bytes); only the display is escaped.

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `text` with every control character shown as `\xHH` (for terminals, HTML, CSV and ARFF cells). */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** Whether `text` holds a control character that escapeControl would show as an escape. */
export function hasControl(text: string): boolean {
  CONTROL.lastIndex = 0;
  const found = CONTROL.test(text);
  CONTROL.lastIndex = 0;
  return found;
}

const JSON_UNESCAPED_CONTROL = /[\u007f-\u009f]/g;

/**
 * JSON.stringify whose output holds no raw control character: JSON.stringify escapes C0 (U+0000–U+001F) but
 * writes DEL and C1 (U+007F–U+009F, e.g. U+009B, a one-character CSI) raw; they only occur inside strings, where
 * `\u00HH` is the same value. For JSON written to terminals and files (query --format json, exports).
 */
export function safeJsonStringify(value: unknown, space?: number): string {
  return escapeJsonControl(JSON.stringify(value, null, space) ?? "null");
}

/** JSON text (JSON.stringify's output, or pieces of it joined) with DEL and C1 characters as `\\u00HH` (see safeJsonStringify). */
export function escapeJsonControl(json: string): string {
  return json.replace(JSON_UNESCAPED_CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
