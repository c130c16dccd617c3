/**
 * What a parsed JSON value must satisfy before anything else looks at it (docs/limits.md, "Payloads and
 * readings"): nesting at most `maxDepth` levels, every string and key well-formed UTF-16 (no lone
 * surrogate), every number finite. These are exactly the values RFC 8785 canonicalization (sealing, proof
 * checks) or a recursive serializer (JSON.stringify) cannot handle: a value that passes can be
 * canonicalized and serialized without surprise. One bounded walk: it never descends past `maxDepth`,
 * and stops at `maxProblems`. Pure.
 */
import type { FieldError } from './parse.ts';

export interface JsonLimits {
  /** Levels of objects and arrays; the value itself is level 1 (an object inside it, level 2). */
  readonly maxDepth: number;
  /** The walk stops after this many problems. */
  readonly maxProblems: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 16, maxProblems: 10 };

/**
 * Problems of `value` as field errors (empty when it is fine). `depth` is the level of `value` itself
 * (2 for a reading inside an offline buffer); `path` prefixes the reported paths.
 */
export function jsonProblems(
  value: unknown,
  limits: JsonLimits = DEFAULT_JSON_LIMITS,
  depth = 1,
  path = '',
): FieldError[] {
  const w: Walk = { limits, out: [], keys: [], prefix: path };
  walk(value, depth, w);
  return w.out;
}

const TOO_DEEP = 'JSON nested deeper than';

/** A problem of nesting: the value cannot be given to a recursive serializer (JSON.stringify) either. */
export const isDepthProblem = (p: FieldError): boolean => p.message.startsWith(TOO_DEEP);

/** True when `value` passes: the same walk, stopping at the first problem. */
export function isJsonSafe(value: unknown, maxDepth = DEFAULT_JSON_LIMITS.maxDepth): boolean {
  return jsonProblems(value, { maxDepth, maxProblems: 1 }).length === 0;
}

/** The walk's state: keys down to the current value (a path is built only for a problem). */
interface Walk {
  readonly limits: JsonLimits;
  readonly out: FieldError[];
  readonly keys: string[];
  readonly prefix: string;
}

function problem(w: Walk, message: string, key?: string): void {
  const keys = key === undefined ? w.keys : [...w.keys, key];
  const path = keys.join('.');
  w.out.push({ path: w.prefix === '' ? path : path === '' ? w.prefix : `${w.prefix}.${path}`, message });
}

function walk(value: unknown, depth: number, w: Walk): void {
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) problem(w, 'text contains a lone UTF-16 surrogate');
      return;
    case 'number':
      if (!Number.isFinite(value)) problem(w, 'number is not finite');
      return;
    case 'boolean':
      return;
    case 'object':
      if (value === null) return;
      break;
    default:
      problem(w, `${typeof value} is not a JSON value`);
      return;
  }
  if (depth > w.limits.maxDepth) {
    problem(w, `${TOO_DEEP} ${w.limits.maxDepth} levels`);
    return;
  }
  const { out, keys, limits } = w;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && out.length < limits.maxProblems; i++) {
      const item: unknown = value[i];
      // Numbers and strings, the bulk of a long array, are checked here without a call.
      if (typeof item === 'number') {
        if (!Number.isFinite(item)) problem(w, 'number is not finite', String(i));
        continue;
      }
      if (typeof item === 'string') {
        if (!item.isWellFormed()) problem(w, 'text contains a lone UTF-16 surrogate', String(i));
        continue;
      }
      keys.push(String(i));
      walk(item, depth + 1, w);
      keys.pop();
    }
    return;
  }
  for (const key in value) {
    if (out.length >= limits.maxProblems) return;
    if (!Object.hasOwn(value, key)) continue;
    // The key is reported as it is escaped in JSON, so a lone surrogate stays visible and harmless.
    if (!key.isWellFormed()) {
      problem(w, 'key contains a lone UTF-16 surrogate', JSON.stringify(key));
      continue;
    }
    keys.push(key);
    walk((value as Record<string, unknown>)[key], depth + 1, w);
    keys.pop();
  }
}
