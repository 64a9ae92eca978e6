// HTML/SVG escaping for the report: every data string (user agents, city names…) goes through here.
import { escapeControl } from "../../lib/text.ts";

/** Escapes text for element content and attribute values (`&`, `<`, `>`, `"`, `'`; control characters as `\xHH`). */
export function escapeHtml(text: string): string {
  return escapeControl(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
