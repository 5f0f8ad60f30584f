// Escaping for text and attribute values in HTML and SVG (the same five characters work in both,
// and keep the SVG well-formed XML), and for JSON embedded in a <script> element.

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * JSON safe inside <script type="application/json">: `<`, `>` and `&` as \u escapes, so no
 * string in it can close the element or open a comment; U+2028/9 for old JS parsers.
 * JSON.parse of the element's text gives back the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
