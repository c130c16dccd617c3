/**
 * Splitting an offline buffer into messages (docs/devices.md): one topic per message, at most `maxBatch` readings
 * and `maxBytes` of JSON array each (the gateway closes the connection on an oversized payload).
 */
import type { ReadingKind } from '../src/telemetry/schemas.ts';

export interface Bufferable {
  readonly kind: ReadingKind;
  readonly text: string;
  /** undefined for a payload that is not JSON: it travels alone. */
  readonly value: unknown;
}

export function chunkArrays<T extends Bufferable>(
  items: readonly T[],
  maxBatch: number,
  maxBytes: number,
): T[][] {
  const out: T[][] = [];
  const open = new Map<ReadingKind, { items: T[]; bytes: number }>();
  for (const item of items) {
    if (item.value === undefined) {
      out.push([item]);
      continue;
    }
    const size = Buffer.byteLength(item.text) + 1; // the comma, or a bracket
    let current = open.get(item.kind);
    if (current && (current.items.length >= maxBatch || current.bytes + size > maxBytes)) {
      out.push(current.items);
      current = undefined;
    }
    if (!current) {
      current = { items: [], bytes: 1 };
      open.set(item.kind, current);
    }
    current.items.push(item);
    current.bytes += size;
  }
  for (const c of open.values()) if (c.items.length > 0) out.push(c.items);
  return out;
}
