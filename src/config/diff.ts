/**
 * What changed between two configs, as lines a person reads in the log after
 * SIGHUP: `rollout.targets.a9hf.lava: shadow → on`. Objects are compared key
 * by key; arrays and scalars as whole values. The config holds no secrets
 * (the loader refuses them), and the logger masks registered ones anyway.
 */

/** One line per changed setting, in a stable order (the new config's key order, then removed keys). */
export function configChanges(before: unknown, after: unknown): string[] {
  const out: string[] = [];
  compare(before, after, '', out);
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function compare(before: unknown, after: unknown, path: string, out: string[]): void {
  if (isObject(before) && isObject(after)) {
    const keys = [...Object.keys(after), ...Object.keys(before).filter((k) => !(k in after))];
    for (const key of keys) compare(before[key], after[key], path ? `${path}.${key}` : key, out);
    return;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  if (isObject(after) && before === undefined) out.push(`${path}: added`);
  else if (isObject(before) && after === undefined) out.push(`${path}: removed`);
  else out.push(`${path}: ${show(before)} → ${show(after)}`);
}

function show(value: unknown): string {
  if (value === undefined) return '(unset)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
