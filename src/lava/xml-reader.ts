/**
 * A strict, small XML reader for XML-RPC bodies. xmlbuilder2's reader is
 * lenient where we need to be strict (it accepts `<a><b></a>` and leaves
 * unknown entities like `&foo;` in the text), so a truncated or garbled
 * answer from a proxy would be read as data. This reader accepts well-formed
 * XML only, refuses DTDs (no entity expansion from a server), and reports
 * where the document went wrong.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  /** Child elements and text, in document order; adjacent text (and CDATA) is merged. */
  children: XmlNode[];
  line: number;
  column: number;
}

export type XmlNode = XmlElement | string;

export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'XmlSyntaxError';
  }
}

/** Deeper than any XML-RPC answer LAVA sends; stops hostile nesting from exhausting the stack later. */
const MAX_DEPTH = 512;

const NAME = /[A-Za-z_:\u00C0-\uFFFF][-A-Za-z0-9_:.\u00B7\u00C0-\uFFFF]*/y;
const PREDEFINED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
/** Characters XML 1.0 forbids anywhere in a document. */
const FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Whether a code point may appear in an XML 1.0 document (also when written as a character reference). */
function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

class Reader {
  pos = 0;

  constructor(readonly text: string) {}

  fail(message: string, at = this.pos): never {
    const before = this.text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw new XmlSyntaxError(message, line, column);
  }

  startsWith(prefix: string): boolean {
    return this.text.startsWith(prefix, this.pos);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos]!)) this.pos++;
  }

  /** Moves past the next `terminator`, returning what came before it. */
  takeUntil(terminator: string, what: string): string {
    const end = this.text.indexOf(terminator, this.pos);
    if (end < 0) this.fail(`unterminated ${what}`);
    const content = this.text.slice(this.pos, end);
    this.pos = end + terminator.length;
    return content;
  }

  name(what: string): string {
    NAME.lastIndex = this.pos;
    const match = NAME.exec(this.text);
    if (!match) this.fail(`expected ${what}`);
    this.pos += match[0].length;
    return match[0];
  }

  expect(literal: string): void {
    if (!this.startsWith(literal)) this.fail(`expected '${literal}'`);
    this.pos += literal.length;
  }

  /** Comments, processing instructions and the XML declaration, which carry no data. */
  skipMisc(): void {
    for (;;) {
      this.skipSpace();
      if (this.startsWith('<!--')) {
        this.pos += 4;
        this.takeUntil('-->', 'comment');
      } else if (this.startsWith('<?')) {
        this.pos += 2;
        this.takeUntil('?>', 'processing instruction');
      } else if (this.startsWith('<!DOCTYPE')) {
        this.fail('DOCTYPE declarations are not accepted in XML-RPC');
      } else {
        return;
      }
    }
  }

  /** Decodes entity and character references in raw text, after XML end-of-line normalisation. */
  decode(raw: string, start: number): string {
    const forbidden = FORBIDDEN_CHAR.exec(raw);
    if (forbidden) {
      const code = forbidden[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
      this.fail(`character U+${code} is not allowed in XML`, start + forbidden.index);
    }
    const normalised = raw.replace(/\r\n?/g, '\n');
    if (!normalised.includes('&')) return normalised;
    return normalised.replace(/&([^;&\s<]*)(;?)/g, (whole, ref: string, semicolon: string, offset: number) => {
      const at = start + offset;
      if (!semicolon) this.fail(`'&' must start an entity reference like '&amp;'`, at);
      if (ref in PREDEFINED_ENTITIES) return PREDEFINED_ENTITIES[ref]!;
      const numeric = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
      if (!numeric) this.fail(`unknown entity ${whole}`, at);
      const codePoint = numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2]!, 10);
      if (!isXmlChar(codePoint)) this.fail(`character reference ${whole} is not an XML character`, at);
      return String.fromCodePoint(codePoint);
    });
  }

  startTag(): { element: XmlElement; selfClosing: boolean } {
    const at = this.pos;
    this.expect('<');
    const name = this.name('an element name');
    const before = this.text.slice(0, at);
    const element: XmlElement = {
      name,
      attributes: {},
      children: [],
      line: before.split('\n').length,
      column: at - before.lastIndexOf('\n'),
    };
    for (;;) {
      const hadSpace = /\s/.test(this.text[this.pos] ?? '');
      this.skipSpace();
      if (this.startsWith('/>')) {
        this.pos += 2;
        return { element, selfClosing: true };
      }
      if (this.startsWith('>')) {
        this.pos += 1;
        return { element, selfClosing: false };
      }
      if (this.pos >= this.text.length) this.fail(`unterminated start tag <${name}>`);
      if (!hadSpace) this.fail(`expected whitespace, '>' or '/>' in <${name}>`);
      const attribute = this.name(`an attribute name in <${name}>`);
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      const quote = this.text[this.pos];
      if (quote !== '"' && quote !== "'") this.fail(`attribute ${attribute} of <${name}> needs a quoted value`);
      this.pos++;
      const valueStart = this.pos;
      const raw = this.takeUntil(quote, `value of attribute ${attribute}`);
      if (raw.includes('<')) this.fail(`'<' in the value of attribute ${attribute}`, valueStart);
      if (attribute in element.attributes) this.fail(`duplicate attribute ${attribute} in <${name}>`);
      element.attributes[attribute] = this.decode(raw, valueStart);
    }
  }
}

function appendText(element: XmlElement, text: string): void {
  if (text === '') return;
  const last = element.children.length - 1;
  if (last >= 0 && typeof element.children[last] === 'string') {
    element.children[last] = (element.children[last] as string) + text;
  } else {
    element.children.push(text);
  }
}

/** Parses a whole document and returns its root element; throws XmlSyntaxError on anything not well-formed. */
export function parseXml(text: string): XmlElement {
  const reader = new Reader(text.startsWith('\uFEFF') ? text.slice(1) : text);
  reader.skipMisc();
  if (reader.pos >= reader.text.length) reader.fail('empty document, expected a root element');
  if (!reader.startsWith('<')) reader.fail('expected a root element, found text');
  const first = reader.startTag();
  const root = first.element;
  const open: XmlElement[] = first.selfClosing ? [] : [root];
  while (open.length > 0) {
    const current = open[open.length - 1]!;
    if (reader.pos >= reader.text.length) {
      reader.fail(`document ends inside <${current.name}> (opened at line ${current.line}, column ${current.column})`);
    }
    if (reader.startsWith('</')) {
      const at = reader.pos;
      reader.pos += 2;
      const name = reader.name('an element name in a closing tag');
      reader.skipSpace();
      reader.expect('>');
      if (name !== current.name) {
        reader.fail(
          `closing tag </${name}> does not match <${current.name}> (opened at line ${current.line}, column ${current.column})`,
          at,
        );
      }
      open.pop();
    } else if (reader.startsWith('<!--')) {
      reader.pos += 4;
      reader.takeUntil('-->', 'comment');
    } else if (reader.startsWith('<![CDATA[')) {
      reader.pos += 9;
      const start = reader.pos;
      const data = reader.takeUntil(']]>', 'CDATA section');
      const forbidden = FORBIDDEN_CHAR.exec(data);
      if (forbidden) reader.fail('control character in CDATA section', start + forbidden.index);
      appendText(current, data.replace(/\r\n?/g, '\n'));
    } else if (reader.startsWith('<?')) {
      reader.pos += 2;
      reader.takeUntil('?>', 'processing instruction');
    } else if (reader.startsWith('<!')) {
      reader.fail('unexpected markup declaration');
    } else if (reader.startsWith('<')) {
      if (open.length >= MAX_DEPTH) reader.fail(`elements nested deeper than ${MAX_DEPTH} levels`);
      const { element, selfClosing } = reader.startTag();
      current.children.push(element);
      if (!selfClosing) open.push(element);
    } else {
      const start = reader.pos;
      const end = reader.text.indexOf('<', start);
      const raw = reader.text.slice(start, end < 0 ? reader.text.length : end);
      if (raw.includes(']]>')) reader.fail("']]>' is not allowed in text", start + raw.indexOf(']]>'));
      reader.pos = start + raw.length;
      appendText(current, reader.decode(raw, start));
    }
  }
  reader.skipMisc();
  if (reader.pos < reader.text.length) reader.fail(`unexpected content after the root element </${root.name}>`);
  return root;
}
