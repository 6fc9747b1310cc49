/**
 * The project's one XML-RPC codec, shared by the LAVA client and the LAVA
 * simulator so both speak exactly the same dialect: lava-server's (Python
 * `xmlrpc.client` with `allow_none=True`), i.e. `<nil/>` for None and
 * zone-less `dateTime.iso8601` values meaning UTC.
 *
 * Bodies are built with xmlbuilder2 and read with the strict reader in
 * xml-reader.ts; anything that is not well-formed XML-RPC is an error that
 * says what was wrong and where, never a silently odd value.
 */
import { create } from 'xmlbuilder2';
import { parseXml, XmlSyntaxError, type XmlElement } from './xml-reader.js';

/** A decoded XML-RPC value. */
export type XmlRpcValue = null | boolean | number | string | Date | Buffer | XmlRpcValue[] | XmlRpcStruct;
export interface XmlRpcStruct {
  [member: string]: XmlRpcValue;
}

/**
 * What the encoder accepts: decoded values plus `undefined` (nil; struct
 * members that are `undefined` are left out), bigints (`<i8>`) and any
 * Uint8Array (`<base64>`).
 */
export type XmlRpcInput =
  | XmlRpcValue
  | undefined
  | bigint
  | Uint8Array
  | readonly XmlRpcInput[]
  | { readonly [member: string]: XmlRpcInput };

/** A fault answered by the server (or to be answered, in the simulator). */
export class XmlRpcFault extends Error {
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super(`XML-RPC fault ${faultCode}: ${faultString}`);
    this.name = 'XmlRpcFault';
  }
}

/** The body is not XML, or is XML but not the XML-RPC shape expected. */
export class XmlRpcParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlRpcParseError';
  }
}

/** A JavaScript value that XML-RPC cannot carry. */
export class XmlRpcEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlRpcEncodeError';
  }
}

type XMLBuilder = ReturnType<typeof create>;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/*
 * xmlbuilder2 drops a bare carriage return from text, but a string may hold
 * one (a job definition with CRLF line ends) and XML parsers turn a literal
 * CR into LF anyway. CRs therefore travel as the character reference `&#13;`:
 * they are swapped for U+FFFE, which no valid input can contain (the encoder
 * refuses it), and the serialised document turns U+FFFE into `&#13;`.
 */
const CR_SENTINEL = '\uFFFE';
/** Characters XML 1.0 cannot carry at all, not even as character references. */
const UNENCODABLE_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function newDocument(): XMLBuilder {
  return create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: (char: string) => char });
}

function serialise(doc: XMLBuilder): string {
  return doc.end({ prettyPrint: false }).split(CR_SENTINEL).join('&#13;');
}

function text(parent: XMLBuilder, value: string, where: string): void {
  const bad = UNENCODABLE_CHAR.exec(value);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new XmlRpcEncodeError(
      `${where} contains character U+${code} at offset ${bad.index}, which XML-RPC (XML 1.0) cannot carry`,
    );
  }
  if (value !== '') parent.txt(value.split('\r').join(CR_SENTINEL));
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `20130502T12:34:56`: the zone-less UTC form lava-server sends. */
export function formatDateTime(date: Date): string {
  return (
    `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encodeValue(parent: XMLBuilder, value: XmlRpcInput, where: string): void {
  const holder = parent.ele('value');
  if (value === null || value === undefined) {
    holder.ele('nil');
  } else if (typeof value === 'boolean') {
    holder.ele('boolean').txt(value ? '1' : '0');
  } else if (typeof value === 'string') {
    text(holder.ele('string'), value, where);
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new XmlRpcEncodeError(`${where} is ${value}, which XML-RPC cannot carry`);
    if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) {
      holder.ele('int').txt(String(value === 0 ? 0 : value));
    } else if (Number.isSafeInteger(value)) {
      holder.ele('i8').txt(String(value));
    } else {
      holder.ele('double').txt(String(value));
    }
  } else if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) {
      throw new XmlRpcEncodeError(`${where} is ${value}, outside the 64-bit range of <i8>`);
    }
    holder.ele(value >= INT32_MIN && value <= INT32_MAX ? 'int' : 'i8').txt(String(value));
  } else if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new XmlRpcEncodeError(`${where} is an invalid Date`);
    holder.ele('dateTime.iso8601').txt(formatDateTime(value));
  } else if (value instanceof Uint8Array) {
    holder.ele('base64').txt(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
  } else if (Array.isArray(value)) {
    const data = holder.ele('array').ele('data');
    (value as readonly XmlRpcInput[]).forEach((item, index) => encodeValue(data, item, `${where}[${index}]`));
  } else if (typeof value === 'object' && isPlainObject(value)) {
    const struct = holder.ele('struct');
    for (const [name, member] of Object.entries(value as { readonly [member: string]: XmlRpcInput })) {
      if (member === undefined) continue;
      const element = struct.ele('member');
      text(element.ele('name'), name, `member name '${name}' in ${where}`);
      encodeValue(element, member, `${where}.${name}`);
    }
  } else {
    const kind = typeof value === 'object' ? (value as object).constructor?.name ?? 'object' : typeof value;
    throw new XmlRpcEncodeError(`${where} is a ${kind}, which has no XML-RPC type`);
  }
}

/** A `<methodCall>` document. */
export function encodeMethodCall(method: string, params: readonly XmlRpcInput[] = []): string {
  if (!/^[A-Za-z0-9_.:/]+$/.test(method)) {
    throw new XmlRpcEncodeError(`method name '${method}' has characters XML-RPC does not allow`);
  }
  const doc = newDocument();
  const call = doc.ele('methodCall');
  call.ele('methodName').txt(method);
  const list = call.ele('params');
  params.forEach((param, index) => encodeValue(list.ele('param'), param, `params[${index}]`));
  return serialise(doc);
}

/** A successful `<methodResponse>` carrying one value. */
export function encodeMethodResponse(value: XmlRpcInput): string {
  const doc = newDocument();
  encodeValue(doc.ele('methodResponse').ele('params').ele('param'), value, 'response');
  return serialise(doc);
}

/** A `<methodResponse>` carrying a fault. */
export function encodeFault(faultCode: number, faultString: string): string {
  if (!Number.isInteger(faultCode)) throw new XmlRpcEncodeError(`faultCode ${faultCode} is not an integer`);
  const doc = newDocument();
  encodeValue(doc.ele('methodResponse').ele('fault'), { faultCode, faultString }, 'fault');
  return serialise(doc);
}

// ---------------------------------------------------------------- decoding

function describe(element: XmlElement): string {
  return `<${element.name}> at line ${element.line}`;
}

function elementsOf(element: XmlElement): XmlElement[] {
  const elements: XmlElement[] = [];
  for (const child of element.children) {
    if (typeof child === 'string') {
      if (child.trim() !== '') {
        throw new XmlRpcParseError(`unexpected text ${JSON.stringify(child.trim().slice(0, 40))} in ${describe(element)}`);
      }
    } else {
      elements.push(child);
    }
  }
  return elements;
}

function textOf(element: XmlElement): string {
  let out = '';
  for (const child of element.children) {
    if (typeof child !== 'string') throw new XmlRpcParseError(`unexpected element ${describe(child)} inside ${describe(element)}`);
    out += child;
  }
  return out;
}

function only(element: XmlElement, expected: string): XmlElement {
  const children = elementsOf(element);
  if (children.length !== 1 || children[0]!.name !== expected) {
    const found = children.length === 0 ? 'nothing' : children.map((c) => `<${c.name}>`).join(', ');
    throw new XmlRpcParseError(`expected one <${expected}> in ${describe(element)}, found ${found}`);
  }
  return children[0]!;
}

function expectName(element: XmlElement, name: string): void {
  if (element.name !== name) throw new XmlRpcParseError(`expected <${name}>, found ${describe(element)}`);
}

const DATE_TIME = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;
const DOUBLE = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

/** Parses `20130502T12:34:56` (zone-less = UTC, as lava-server means it) and the ISO 8601 variants. */
export function parseDateTime(raw: string): Date {
  const match = DATE_TIME.exec(raw.trim());
  if (!match) throw new XmlRpcParseError(`dateTime.iso8601 value '${raw}' is not a date and time`);
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const parts = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const ms = fraction ? Math.round(Number(`0${fraction}`) * 1000) : 0;
  let time = Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5], ms);
  const check = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5]));
  if (
    check.getUTCMonth() !== parts[1] - 1 ||
    check.getUTCDate() !== parts[2] ||
    check.getUTCHours() !== parts[3] ||
    check.getUTCMinutes() !== parts[4] ||
    check.getUTCSeconds() !== parts[5]
  ) {
    throw new XmlRpcParseError(`dateTime.iso8601 value '${raw}' is not a valid date and time`);
  }
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    time -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return new Date(time);
}

function decodeInteger(type: string, raw: string): number {
  const trimmed = raw.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) throw new XmlRpcParseError(`<${type}> value '${raw}' is not an integer`);
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value)) {
    throw new XmlRpcParseError(`<${type}> value ${trimmed} is too large for a JavaScript number`);
  }
  return value === 0 ? 0 : value;
}

function decodeValue(value: XmlElement): XmlRpcValue {
  expectName(value, 'value');
  const typed = value.children.filter((child): child is XmlElement => typeof child !== 'string');
  if (typed.length === 0) return textOf(value); // a bare <value>text</value> is a string
  const node = only(value, typed[0]!.name);
  switch (node.name) {
    case 'int':
    case 'i4':
    case 'i8':
      return decodeInteger(node.name, textOf(node));
    case 'boolean': {
      const raw = textOf(node).trim();
      if (raw !== '0' && raw !== '1') throw new XmlRpcParseError(`<boolean> value '${raw}' is neither 0 nor 1`);
      return raw === '1';
    }
    case 'string':
      return textOf(node);
    case 'double': {
      const raw = textOf(node).trim();
      if (!DOUBLE.test(raw)) throw new XmlRpcParseError(`<double> value '${raw}' is not a number`);
      const lower = raw.toLowerCase().replace(/^\+/, '');
      if (lower === 'nan' || lower === '-nan') return NaN;
      if (/^-?inf/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
      return Number(raw);
    }
    case 'dateTime.iso8601':
      return parseDateTime(textOf(node));
    case 'base64': {
      const raw = textOf(node).replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw) || raw.length % 4 !== 0) {
        throw new XmlRpcParseError(`<base64> at line ${node.line} is not valid base64`);
      }
      return Buffer.from(raw, 'base64');
    }
    case 'nil':
    case 'ex:nil':
      if (textOf(node).trim() !== '') throw new XmlRpcParseError(`<nil> at line ${node.line} is not empty`);
      return null;
    case 'array':
      return elementsOf(only(node, 'data')).map((item) => decodeValue(item));
    case 'struct': {
      const struct: XmlRpcStruct = {};
      for (const member of elementsOf(node)) {
        expectName(member, 'member');
        const parts = elementsOf(member);
        const nameElement = parts.find((p) => p.name === 'name');
        const valueElement = parts.find((p) => p.name === 'value');
        if (parts.length !== 2 || !nameElement || !valueElement) {
          throw new XmlRpcParseError(`${describe(member)} needs exactly one <name> and one <value>`);
        }
        // defineProperty: a member called "__proto__" must stay data, not become the prototype.
        Object.defineProperty(struct, textOf(nameElement), {
          value: decodeValue(valueElement),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return struct;
    }
    default:
      throw new XmlRpcParseError(`unknown XML-RPC type ${describe(node)}`);
  }
}

/** Decodes the body as the XML declaration says (UTF-8 unless it names Latin-1 or ASCII). */
function bodyToText(body: string | Buffer): string {
  if (typeof body === 'string') return body;
  const head = body.subarray(0, 200).toString('latin1');
  const encoding = /^(?:\uFEFF|\xEF\xBB\xBF)?<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/.exec(head)?.[1]?.toLowerCase();
  if (encoding === undefined || encoding === 'utf-8' || encoding === 'utf8' || encoding === 'us-ascii' || encoding === 'ascii') {
    return body.toString('utf8');
  }
  if (encoding === 'iso-8859-1' || encoding === 'latin1' || encoding === 'latin-1') return body.toString('latin1');
  throw new XmlRpcParseError(`unsupported XML encoding '${encoding}'`);
}

function parseRoot(body: string | Buffer, rootName: string): XmlElement {
  const textBody = bodyToText(body);
  let root: XmlElement;
  try {
    root = parseXml(textBody);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new XmlRpcParseError(`malformed XML: ${err.message}`);
    throw err;
  }
  if (root.name !== rootName) {
    throw new XmlRpcParseError(`expected an XML-RPC <${rootName}>, found <${root.name}>`);
  }
  return root;
}

/** Reads a `<methodCall>`: the method name and its decoded parameters. */
export function parseMethodCall(body: string | Buffer): { method: string; params: XmlRpcValue[] } {
  const root = parseRoot(body, 'methodCall');
  const parts = elementsOf(root);
  const nameElement = parts[0];
  if (!nameElement || nameElement.name !== 'methodName') {
    throw new XmlRpcParseError('<methodCall> must start with <methodName>');
  }
  const method = textOf(nameElement).trim();
  if (method === '') throw new XmlRpcParseError('<methodName> is empty');
  if (parts.length > 2 || (parts[1] && parts[1].name !== 'params')) {
    throw new XmlRpcParseError('<methodCall> may only hold <methodName> and <params>');
  }
  const params = parts[1] ? elementsOf(parts[1]).map((param) => {
    expectName(param, 'param');
    return decodeValue(only(param, 'value'));
  }) : [];
  return { method, params };
}

/** Reads a `<methodResponse>` and returns its value; a fault is thrown as XmlRpcFault. */
export function parseMethodResponse(body: string | Buffer): XmlRpcValue {
  const root = parseRoot(body, 'methodResponse');
  const content = only(root, elementsOf(root)[0]?.name === 'fault' ? 'fault' : 'params');
  if (content.name === 'fault') {
    const fault = decodeValue(only(content, 'value'));
    const faultCode = (fault as XmlRpcStruct | null)?.faultCode;
    const faultString = (fault as XmlRpcStruct | null)?.faultString;
    if (typeof faultCode !== 'number' || typeof faultString !== 'string') {
      throw new XmlRpcParseError('<fault> must hold a struct with an int faultCode and a string faultString');
    }
    throw new XmlRpcFault(faultCode, faultString);
  }
  return decodeValue(only(only(content, 'param'), 'value'));
}

/** Narrows decoded XML-RPC trees for callers that checked the shape themselves. */
export function isStruct(value: XmlRpcValue | undefined): value is XmlRpcStruct {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !Buffer.isBuffer(value)
  );
}
