/**
 * Duplicate keys in JSON text. `JSON.parse` keeps the last of two equal keys
 * without a word, so a target named twice in the config would silently lose
 * its first definition. This walks text that `JSON.parse` already accepted and
 * reports every key an object names more than once, with both lines.
 */

export interface DuplicateKey {
  /** The repeated key's path in the config's notation, e.g. `targets.a9hf` or `launchpad.watch[0].project`. */
  path: string;
  /** Line (1-based) of the first occurrence. */
  firstLine: number;
  /** Line of the repeat. */
  line: number;
}

/** Every repeated key, in text order; `text` must be valid JSON. */
export function duplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  let at = 0;
  let line = 1;

  const skipSpace = () => {
    while (at < text.length && /[ \t\r\n\uFEFF]/.test(text[at])) {
      if (text[at] === '\n') line++;
      at++;
    }
  };
  /** A string literal at `at` (JSON strings hold no raw newlines); returns its value. */
  const readString = (): string => {
    const start = at++;
    while (text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const readValue = (path: string): void => {
    skipSpace();
    const c = text[at];
    if (c === '{') {
      at++;
      const seen = new Map<string, number>();
      skipSpace();
      if (text[at] === '}') {
        at++;
        return;
      }
      for (;;) {
        skipSpace();
        const keyLine = line;
        const key = readString();
        const keyPath = path ? `${path}.${key}` : key;
        const first = seen.get(key);
        if (first === undefined) seen.set(key, keyLine);
        else found.push({ path: keyPath, firstLine: first, line: keyLine });
        skipSpace();
        at++; // ':'
        readValue(keyPath);
        skipSpace();
        if (text[at++] === '}') return;
      }
    }
    if (c === '[') {
      at++;
      skipSpace();
      if (text[at] === ']') {
        at++;
        return;
      }
      for (let index = 0; ; index++) {
        readValue(`${path}[${index}]`);
        skipSpace();
        if (text[at++] === ']') return;
      }
    }
    if (c === '"') {
      readString();
      return;
    }
    // A number, true, false or null.
    while (at < text.length && /[^\s,\]}]/.test(text[at])) at++;
  };

  readValue('');
  return found;
}
