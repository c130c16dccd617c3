/** RFC 8785 (JSON Canonicalization Scheme) bytes, via the `canonicalize` package (by the RFC's author). */
import canonicalize from 'canonicalize';

const utf8 = new TextEncoder();

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

export function canonicalBytes(value: unknown): Uint8Array {
  return utf8.encode(canonicalJson(value));
}
