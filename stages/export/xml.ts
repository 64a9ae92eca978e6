// XML text escaping for the hand-written KML: every string that reaches the document goes through here.

// XML 1.0 forbids most C0 control characters even when escaped; they are dropped.
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** Escapes text for element content and attribute values (`&`, `<`, `>`, `"`, `'`), dropping forbidden characters. */
export function escapeXml(text: string): string {
  return text.replace(FORBIDDEN, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}
