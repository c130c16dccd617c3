/**
 * RFC 8785 (JSON Canonicalization Scheme) bytes, via the `canonicalize` package (by the RFC's author).
 * Sealing canonicalizes every reading, so the common case takes a faster road to the same text: a copy
 * with every object's keys inserted in sorted order, then the native JSON.stringify (JCS numbers and
 * string escapes are JSON.stringify's). Values where property order or escaping could differ go to the
 * package.
 */
import canonicalize from 'canonicalize';

const utf8 = new TextEncoder();
const FAIL = Symbol('fall back');
// Property order puts integer-like keys first; a surrogate may be lone (the package refuses those).
const INDEX_KEY = /^(0|[1-9][0-9]*)$/;
const SURROGATE = /[\uD800-\uDFFF]/;
const MAX_DEPTH = 64;

export function canonicalJson(value: unknown): string {
  const sorted = sortedCopy(value, 0);
  const text = sorted === FAIL ? canonicalize(value) : JSON.stringify(sorted);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

export function canonicalBytes(value: unknown): Uint8Array {
  return utf8.encode(canonicalJson(value));
}

function sortedCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return SURROGATE.test(value) ? FAIL : value;
    case 'number':
      return Number.isFinite(value) ? value : FAIL;
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      return FAIL;
  }
  if (value === null) return null;
  // Deep values (or a cycle) are left to the package.
  if (depth === MAX_DEPTH) return FAIL;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return FAIL;
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = sortedCopy(value[i], depth + 1);
      if (item === FAIL) return FAIL;
      out[i] = item;
    }
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return FAIL;
  const object = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object).sort()) {
    if (key === '__proto__' || INDEX_KEY.test(key) || SURROGATE.test(key)) return FAIL;
    const item = sortedCopy(object[key], depth + 1);
    if (item === FAIL) return FAIL;
    out[key] = item;
  }
  return out;
}
