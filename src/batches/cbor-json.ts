/**
 * dag-cbor bytes of a JSON-like value (plain objects, arrays, ASCII strings, finite numbers, booleans,
 * null), written straight into a buffer: the same bytes as `dagCbor.encode`, which spends several times
 * longer building them and is the largest cost of sealing a masked leaf. Anything else (a CID, bytes, a
 * non-ASCII string, undefined, NaN …) returns null, and the caller uses `dagCbor.encode`.
 */
import * as dagCbor from '@ipld/dag-cbor';

let buf = new Uint8Array(4096);
let view = new DataView(buf.buffer);
let at = 0;

export function encodeCbor(value: unknown): Uint8Array {
  at = 0;
  return write(value) ? buf.slice(0, at) : dagCbor.encode(value);
}

function ensure(n: number): void {
  if (at + n <= buf.length) return;
  const grown = new Uint8Array(Math.max(2 * buf.length, at + n));
  grown.set(buf.subarray(0, at));
  buf = grown;
  view = new DataView(buf.buffer);
}

/** A major type with its argument in the shortest form (RFC 8949 §4.2.1). */
function head(major: number, n: number): void {
  ensure(9);
  const m = major << 5;
  if (n < 24) buf[at++] = m | n;
  else if (n < 0x100) {
    buf[at++] = m | 24;
    buf[at++] = n;
  } else if (n < 0x10000) {
    buf[at++] = m | 25;
    view.setUint16(at, n);
    at += 2;
  } else if (n < 0x100000000) {
    buf[at++] = m | 26;
    view.setUint32(at, n);
    at += 4;
  } else {
    buf[at++] = m | 27;
    view.setBigUint64(at, BigInt(n));
    at += 8;
  }
}

function writeAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  head(3, s.length);
  ensure(s.length);
  for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
  return true;
}

/** Map keys in dag-cbor order: shorter encoding first, then bytewise (ASCII keys: by length, then code). */
function keyOrder(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function write(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
      return writeAscii(value);
    case 'boolean':
      ensure(1);
      buf[at++] = value ? 0xf5 : 0xf4;
      return true;
    case 'number':
      if (!Number.isFinite(value)) return false;
      if (Number.isSafeInteger(value)) {
        if (value >= 0) head(0, value);
        else head(1, -1 - value);
      } else {
        ensure(9);
        buf[at++] = 0xfb;
        view.setFloat64(at, value);
        at += 8;
      }
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) {
    ensure(1);
    buf[at++] = 0xf6;
    return true;
  }
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    head(4, value.length);
    for (let i = 0; i < value.length; i++) if (!write(value[i])) return false;
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort(keyOrder);
  head(5, keys.length);
  for (const key of keys) if (!writeAscii(key) || !write(object[key])) return false;
  return true;
}
