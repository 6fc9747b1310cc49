/**
 * A small JSON Schema (draft-07 subset) validator, so bot.config.schema.json
 * is the one definition of the config: editors complete from it and the loader
 * checks against it. Supports exactly the keywords that schema uses; an
 * unsupported keyword is a programming error and throws.
 */
export type Schema = Record<string, unknown>;

export interface SchemaProblem {
  path: string;
  message: string;
}

const SUPPORTED = new Set([
  '$schema', '$id', 'title', 'description', 'format', 'type', 'properties', 'required',
  'additionalProperties', 'enum', 'pattern', 'minLength', 'minItems', 'uniqueItems', 'items',
  'oneOf', 'minimum', 'maximum', 'minProperties', 'propertyNames', 'default',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? text.slice(0, 57) + '...' : text;
}

/** Validates `value` and fills in `default`s of absent object properties (mutates). */
export function validate(schema: Schema, value: unknown, path = ''): SchemaProblem[] {
  for (const key of Object.keys(schema)) {
    if (!SUPPORTED.has(key)) throw new Error(`config schema uses unsupported keyword '${key}' at ${path || '/'}`);
  }
  const where = path || '(top level)';
  const problems: SchemaProblem[] = [];
  const type = schema.type as string | undefined;
  const actual = typeOf(value);
  if (type && !(actual === type || (type === 'number' && actual === 'integer'))) {
    return [{ path: where, message: `must be ${type === 'object' ? 'an object' : type === 'array' ? 'an array' : `a ${type}`}, not ${actual} ${describe(value)}` }];
  }
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) {
    problems.push({ path: where, message: `must be one of ${(schema.enum as unknown[]).map((e) => JSON.stringify(e)).join(', ')}; got ${describe(value)}` });
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) problems.push({ path: where, message: 'must not be empty' });
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) {
      problems.push({ path: where, message: `${describe(value)} does not match the expected form ${schema.pattern}` });
    }
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) problems.push({ path: where, message: `must be at least ${schema.minimum}; got ${value}` });
    if (typeof schema.maximum === 'number' && value > schema.maximum) problems.push({ path: where, message: `must be at most ${schema.maximum}; got ${value}` });
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) problems.push({ path: where, message: `must have at least ${schema.minItems} item(s)` });
    if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) problems.push({ path: where, message: 'must not repeat items' });
    if (schema.items) value.forEach((item, i) => problems.push(...validate(schema.items as Schema, item, `${path}[${i}]`)));
  }
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) {
      if (!(key in obj)) problems.push({ path: where, message: `is missing required field '${key}'` });
    }
    if (typeof schema.minProperties === 'number' && Object.keys(obj).length < schema.minProperties) {
      problems.push({ path: where, message: `must have at least ${schema.minProperties} entr${schema.minProperties === 1 ? 'y' : 'ies'}` });
    }
    for (const [key, sub] of Object.entries(props)) {
      if (!(key in obj) && 'default' in sub) obj[key] = structuredClone(sub.default);
    }
    for (const [key, child] of Object.entries(obj)) {
      const childPath = path ? `${path}.${key}` : key;
      if (schema.propertyNames) problems.push(...validate(schema.propertyNames as Schema, key, `${childPath} (name)`));
      if (key in props) problems.push(...validate(props[key], child, childPath));
      else if (schema.additionalProperties === false) problems.push({ path: childPath, message: 'is not a known setting (check its spelling)' });
      else if (typeof schema.additionalProperties === 'object') problems.push(...validate(schema.additionalProperties as Schema, child, childPath));
    }
  }
  if (schema.oneOf) {
    const matches = (schema.oneOf as Schema[]).filter((alt) => validate(alt, structuredClone(value), path).length === 0);
    if (matches.length !== 1) {
      const needs = (schema.oneOf as Schema[]).map((alt) => ((alt.required ?? []) as string[]).join('+')).join("' or '");
      problems.push({ path: where, message: `must have exactly one of '${needs}'` });
    }
  }
  return problems;
}
