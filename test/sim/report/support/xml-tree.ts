/**
 * A tiny, strict XML tokenizer for tests: enough to say whether junit.xml and the HTML page are
 * well-formed (balanced tags, quoted attributes, only the five named entities and numeric
 * references, no characters XML 1.0 forbids, one root) and to walk what they contain. It
 * throws on the first problem with its offset; it does not use regular expressions to parse
 * (one replace normalises line ends, as the XML spec requires).
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: (XmlElement | string)[];
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(input: string): XmlElement {
  // As an XML processor does: line ends become \n before parsing (references are untouched).
  const source = input.replace(/\r\n?/g, '\n');
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed at offset ${i}: ${why} (…${source.slice(Math.max(0, i - 30), i + 30)}…)`);
  };
  for (const ch of source) {
    const c = ch.codePointAt(0)!;
    const allowed = c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
    if (!allowed) fail(`character U+${c.toString(16)} is not allowed in XML`);
  }
  const startsWith = (s: string) => source.startsWith(s, i);
  const skipSpace = () => {
    while (i < source.length && ' \t\r\n'.includes(source[i]!)) i++;
  };
  const isNameChar = (ch: string, first: boolean) =>
    (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_' || ch === ':' || (!first && ((ch >= '0' && ch <= '9') || ch === '-' || ch === '.'));
  const readName = (): string => {
    const start = i;
    if (i >= source.length || !isNameChar(source[i]!, true)) fail('expected a name');
    while (i < source.length && isNameChar(source[i]!, false)) i++;
    return source.slice(start, i);
  };
  const readReference = (): string => {
    const end = source.indexOf(';', i);
    if (end < 0 || end - i > 10) fail('an & that starts no reference');
    const body = source.slice(i + 1, end);
    i = end + 1;
    if (body.startsWith('#x')) return String.fromCodePoint(parseHex(body.slice(2)));
    if (body.startsWith('#')) return String.fromCodePoint(parseDecimal(body.slice(1)));
    const named = NAMED[body];
    if (named === undefined) fail(`unknown entity &${body};`);
    return named!;
  };
  const parseHex = (digits: string): number => {
    if (digits.length === 0 || [...digits].some((d) => !'0123456789abcdefABCDEF'.includes(d))) fail('bad hex reference');
    return Number.parseInt(digits, 16);
  };
  const parseDecimal = (digits: string): number => {
    if (digits.length === 0 || [...digits].some((d) => !'0123456789'.includes(d))) fail('bad decimal reference');
    return Number.parseInt(digits, 10);
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (startsWith('<?')) {
        const end = source.indexOf('?>', i);
        if (end < 0) fail('unterminated processing instruction');
        i = end + 2;
      } else if (startsWith('<!--')) {
        const end = source.indexOf('-->', i);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
      } else if (source.slice(i, i + 9).toUpperCase() === '<!DOCTYPE') {
        const end = source.indexOf('>', i);
        if (end < 0) fail('unterminated doctype');
        i = end + 1;
      } else return;
    }
  };
  const readElement = (): XmlElement => {
    if (source[i] !== '<') fail('expected <');
    i++;
    const element: XmlElement = { name: readName(), attributes: {}, children: [] };
    for (;;) {
      const before = i;
      skipSpace();
      if (startsWith('/>')) {
        i += 2;
        return element;
      }
      if (source[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('attributes must be separated by space');
      const name = readName();
      if (name in element.attributes) fail(`attribute ${name} repeated`);
      skipSpace();
      if (source[i] !== '=') fail('expected = after an attribute name');
      i++;
      skipSpace();
      const quote = source[i];
      if (quote !== '"' && quote !== "'") fail('attribute values must be quoted');
      i++;
      let value = '';
      while (source[i] !== quote) {
        if (i >= source.length) fail('unterminated attribute value');
        if (source[i] === '<') fail('< inside an attribute value');
        if (source[i] === '&') value += readReference();
        // Attribute-value normalisation: literal tabs and line ends arrive as spaces.
        else {
          const ch = source[i++]!;
          value += ch === '\t' || ch === '\n' ? ' ' : ch;
        }
      }
      i++;
      element.attributes[name] = value;
    }
    let text = '';
    const flush = () => {
      if (text) element.children.push(text);
      text = '';
    };
    for (;;) {
      if (i >= source.length) fail(`<${element.name}> is never closed`);
      if (startsWith('</')) {
        flush();
        i += 2;
        const name = readName();
        if (name !== element.name) fail(`</${name}> closes <${element.name}>`);
        skipSpace();
        if (source[i] !== '>') fail('expected > to end a closing tag');
        i++;
        return element;
      }
      if (startsWith('<!--')) {
        const end = source.indexOf('-->', i);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
      } else if (startsWith('<![CDATA[')) {
        const end = source.indexOf(']]>', i);
        if (end < 0) fail('unterminated CDATA');
        text += source.slice(i + 9, end);
        i = end + 3;
      } else if (source[i] === '<') {
        flush();
        element.children.push(readElement());
      } else if (source[i] === '&') {
        text += readReference();
      } else {
        if (startsWith(']]>')) fail(']]> in text');
        text += source[i++];
      }
    }
  };
  skipMisc();
  const root = readElement();
  skipMisc();
  if (i !== source.length) fail('content after the root element');
  return root;
}

/** Every element named `name` at any depth, in document order. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const visit = (e: XmlElement) => {
    if (e.name === name) found.push(e);
    for (const child of e.children) if (typeof child !== 'string') visit(child);
  };
  visit(root);
  return found;
}

/** The concatenated text inside an element. */
export function textOf(e: XmlElement): string {
  return e.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

/** Every attribute value in the document as [element, attribute, value]. */
export function allAttributes(root: XmlElement): [string, string, string][] {
  const out: [string, string, string][] = [];
  const visit = (e: XmlElement) => {
    for (const [k, v] of Object.entries(e.attributes)) out.push([e.name, k, v]);
    for (const child of e.children) if (typeof child !== 'string') visit(child);
  };
  visit(root);
  return out;
}
