/**
 * Escaping for the XML and HTML the report writes. Terminal ids, invariant details and
 * scenario names come from a run and may hold anything, so every piece of text goes through
 * here. Characters XML 1.0 cannot carry at all (most control characters, lone surrogates,
 * U+FFFE/U+FFFF) become U+FFFD rather than making junit.xml unreadable to CI.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const TEXT_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };
/** In attributes, parsers turn raw tabs and line ends into spaces; character references keep them. */
const ATTRIBUTE_ENTITIES: Record<string, string> = { ...TEXT_ENTITIES, '\t': '&#9;', '\n': '&#10;' };

/** Text content of an element. */
export function escapeText(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"'\r]/g, (c) => TEXT_ENTITIES[c]!);
}

/** A quoted attribute value. */
export function escapeAttribute(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"'\t\n\r]/g, (c) => ATTRIBUTE_ENTITIES[c]!);
}
