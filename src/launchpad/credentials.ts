/**
 * launchpadlib's credentials file (`UnencryptedFileCredentialStore`), so the
 * bot can share a token made with launchpadlib or Tarmac:
 *
 *     [1]
 *     consumer_key = cbuild-bot
 *     consumer_secret =
 *     access_token = <20 characters>
 *     access_secret = <80 characters>
 *
 * The token and its secret are registered for redaction as soon as they are
 * read. `cbuild-bot login` writes the same format (mode 0600).
 */
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { registerSecret } from '../secrets.js';
import type { OAuthSigner } from './oauth.js';

export type LaunchpadCredentials = OAuthSigner;

const REQUIRED_KEYS = ['consumer_key', 'consumer_secret', 'access_token', 'access_secret'] as const;

export class CredentialsFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`Launchpad credentials file ${file}: ${problem}`);
    this.name = 'CredentialsFileError';
  }
}

/** Reads and checks a launchpadlib credentials file. */
export function readCredentialsFile(path: string): LaunchpadCredentials {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CredentialsFileError(path, `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseCredentials(text, path);
}

/** Parses the file's text (Python ConfigParser syntax); `file` names it in errors. */
export function parseCredentials(text: string, file: string): LaunchpadCredentials {
  const section = readSection(text, '1', file);
  if (!section) throw new CredentialsFileError(file, 'no [1] section (is this a launchpadlib credentials file?)');
  const missing = REQUIRED_KEYS.filter((key) => !section.has(key));
  if (missing.length > 0) throw new CredentialsFileError(file, `[1] has no ${missing.join(', ')}`);
  const credentials = {
    consumerKey: section.get('consumer_key')!,
    consumerSecret: section.get('consumer_secret')!,
    accessToken: section.get('access_token')!,
    accessSecret: section.get('access_secret')!,
  };
  registerSecret(credentials.accessToken);
  registerSecret(credentials.accessSecret);
  registerSecret(credentials.consumerSecret);
  if (!credentials.consumerKey) throw new CredentialsFileError(file, 'consumer_key is empty');
  if (!credentials.accessToken) throw new CredentialsFileError(file, 'access_token is empty');
  return credentials;
}

/** The options of one `[name]` section, keys lower-cased as ConfigParser does; null if absent. */
function readSection(text: string, name: string, file: string): Map<string, string> | null {
  let current: Map<string, string> | null = null;
  let wanted: Map<string, string> | null = null;
  let lastKey: string | null = null;
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (/^\s*([#;]|$)/.test(line)) continue;
    const header = /^\[([^\]]*)\]\s*$/.exec(line);
    if (header) {
      current = new Map();
      if (header[1] === name) wanted = current;
      lastKey = null;
      continue;
    }
    if (/^\s/.test(line) && current && lastKey) {
      current.set(lastKey, `${current.get(lastKey)}\n${line.trim()}`);
      continue;
    }
    const option = /^([^=:]+?)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (!option || !current) {
      throw new CredentialsFileError(file, `line ${index + 1} is neither a [section] nor a "key = value" line`);
    }
    lastKey = option[1].trim().toLowerCase();
    current.set(lastKey, option[2]);
  }
  return wanted;
}

/** The file's text, as launchpadlib's `UnencryptedFileCredentialStore` writes it. */
export function formatCredentials(credentials: LaunchpadCredentials): string {
  return (
    '[1]\n' +
    `consumer_key = ${credentials.consumerKey}\n` +
    `consumer_secret = ${credentials.consumerSecret}\n` +
    `access_token = ${credentials.accessToken}\n` +
    `access_secret = ${credentials.accessSecret}\n\n`
  );
}

/**
 * Writes a credentials file readable by its owner only (0600), creating its
 * directory (0700) when missing. An existing file is kept unless `replace`:
 * then the new one is written beside it and renamed over it, so the old token
 * survives a failed write.
 */
export function writeCredentialsFile(path: string, credentials: LaunchpadCredentials, options: { replace?: boolean } = {}): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new CredentialsFileError(path, `cannot create its directory ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!options.replace && existsSync(path)) throw new CredentialsFileError(path, 'exists already; give --force to replace it');
  const temporary = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  const failed = (err: unknown) => new CredentialsFileError(path, `cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  try {
    try {
      rmSync(temporary, { force: true }); // a leftover of a killed run
      const fd = openSync(temporary, 'wx', 0o600);
      try {
        chmodSync(temporary, 0o600); // whatever the umask, and before the secret is in it
        writeSync(fd, formatCredentials(credentials));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      throw failed(err);
    }
    try {
      if (options.replace) renameSync(temporary, path);
      else linkSync(temporary, path); // fails if the file appeared meanwhile
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new CredentialsFileError(path, 'exists already; give --force to replace it');
      throw failed(err);
    }
  } finally {
    rmSync(temporary, { force: true });
  }
}
