/**
 * Known-flaky manifest, in the format of GCC's
 * contrib/testsuite-management/validate_failures.py:
 *
 *     # comment
 *     FAIL: gcc.dg/foo.c execution test
 *     flaky | FAIL: gcc.dg/bar.c (test for excess errors)
 *     flaky,expire=20131231 | XPASS: gcc.dg/baz.c scan-assembler foo
 *
 * Tests listed here whose results change between two runs are reported apart
 * and never counted as regressions. `@include`/`@remove` are not supported.
 */
import { TEST_STATUSES, type TestStatus } from './types.js';

export interface ManifestEntry {
  status: TestStatus;
  /** The test name as written (may carry compare_tests' `<variation>: ` prefix). */
  name: string;
  attributes: string[];
  /** The `flaky` attribute is present. */
  flaky: boolean;
  /** `expire=YYYYMMDD` as `YYYY-MM-DD`; the entry stops applying after that day. */
  expires?: string;
  line: number;
}

export interface Manifest {
  source: string;
  entries: ManifestEntry[];
}

/** The manifest cannot be used; the message names the file, line and problem. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const ENTRY = /^\s*([A-Z]+):\s*(\S.*)$/;
const STATUSES = new Set<string>(TEST_STATUSES);

export function parseManifest(text: string, options: { source?: string } = {}): Manifest {
  const source = options.source ?? '<manifest>';
  const entries: ManifestEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const content = raw.replace(/\r$/, '').trim();
    if (content === '' || content.startsWith('#')) return;
    const where = `${source}:${line}`;
    if (content.startsWith('@')) throw new ManifestError(`${where}: directive '${content.split(/\s/)[0]}' is not supported (no @include/@remove)`);
    const bar = content.indexOf('|');
    const attributes = bar >= 0 ? content.slice(0, bar).split(',').map((a) => a.trim()).filter((a) => a !== '') : [];
    const m = ENTRY.exec(bar >= 0 ? content.slice(bar + 1) : content);
    if (!m) throw new ManifestError(`${where}: expected '[attributes |] STATUS: test name', got '${content}'`);
    if (!STATUSES.has(m[1]!)) throw new ManifestError(`${where}: unknown status '${m[1]}' (expected one of ${TEST_STATUSES.join(', ')})`);
    let expires: string | undefined;
    for (const attribute of attributes) {
      if (attribute === 'flaky') continue;
      const expiry = /^expire=(\d{4})(\d{2})(\d{2})$/.exec(attribute);
      if (expiry) expires = `${expiry[1]}-${expiry[2]}-${expiry[3]}`;
      else if (attribute.startsWith('expire=')) throw new ManifestError(`${where}: '${attribute}' must be expire=YYYYMMDD`);
      else throw new ManifestError(`${where}: unknown attribute '${attribute}' (known: flaky, expire=YYYYMMDD)`);
    }
    entries.push({ status: m[1] as TestStatus, name: m[2]!.trim(), attributes, flaky: attributes.includes('flaky'), expires, line });
  });
  return { source, entries };
}

/**
 * validate_failures.py splits `name description` at the first blank run and
 * prints them with one space, so manifests it wrote differ from the `.sum` in
 * that spacing: match on this normalised form.
 */
export function manifestKey(name: string): string {
  return name.trim().replace(/^(\S+)\s+/, '$1 ');
}

/** The names the manifest covers on `today`, and warnings for entries that expired. */
export function activeManifestNames(manifest: Manifest, today: Date): { names: Set<string>; warnings: string[] } {
  const day = today.toISOString().slice(0, 10);
  const names = new Set<string>();
  const warnings: string[] = [];
  for (const entry of manifest.entries) {
    if (entry.expires !== undefined && entry.expires < day) {
      warnings.push(`${manifest.source}:${entry.line}: entry for '${entry.name}' expired on ${entry.expires}; it is not applied`);
      continue;
    }
    names.add(manifestKey(entry.name));
  }
  return { names, warnings };
}
