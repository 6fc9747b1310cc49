/**
 * Process-wide registry of secret values (OAuth token/secret, LAVA token).
 * Every path that turns data into text for humans (logs, errors, comments,
 * status output) runs it through `redact`, so a secret loaded once can never
 * leak, whichever component mentions it.
 */
const secrets = new Set<string>();

/** Registers a secret; values shorter than 4 characters are ignored (they would mask ordinary text). */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) secrets.add(value);
}

/** Replaces every registered secret (and its URL-encoded form) with `***`. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      if (out.includes(form)) out = out.split(form).join('***');
    }
  }
  return out;
}

/** Removes `user:password@` from a URL so basic-auth credentials are never printed. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return redact(parsed.toString());
  } catch {
    return redact(url);
  }
}

/** For tests: forget every registered secret. */
export function clearSecretsForTests(): void {
  secrets.clear();
}
