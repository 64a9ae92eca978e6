// Peer-controlled text at display time: user agents and other strings a peer chose reach terminals, HTML and CSV.
// Control characters (C0, DEL, C1) would move a terminal's cursor, recolour it, or hide text; they are shown as
// visible `\xHH` escapes instead. The stored data keeps what the peer sent; only the display is escaped.

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
