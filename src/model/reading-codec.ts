/**
 * The one text layout of a stored reading: its fields in this order, `data` last. The ingest log writes it,
 * the queries and the sealer read it, and a reading's leaf commits to the same fields (docs/proofs.md).
 * Pure: no store access, so that the seal worker can import it.
 */
import type { StoredReading } from './readings.ts';

/**
 * A reading as stored. `dataJson`, when given, is the JSON text of `reading.data` (the device's own text of a
 * single reading, which parsed to exactly `data`), so that it is not written out again.
 */
export function encodeStoredReading(reading: StoredReading, dataJson = JSON.stringify(reading.data)): string {
  const { id, deviceId, kind, seq, ts, receivedAt } = reading;
  return (
    `{"id":${JSON.stringify(id)},"deviceId":${JSON.stringify(deviceId)},"kind":${JSON.stringify(kind)},` +
    `"seq":${seq},"ts":${ts},"receivedAt":${receivedAt},"data":${dataJson}}`
  );
}

/** A stored reading from its text (throws when the text is not JSON). */
export function decodeStoredReading(text: string): StoredReading {
  return JSON.parse(text) as StoredReading;
}

/** The fields of a stored reading, in the stored order, and nothing else (what a reading leaf commits to). */
export function storedReadingFields(r: StoredReading): StoredReading {
  return {
    id: r.id,
    deviceId: r.deviceId,
    kind: r.kind,
    seq: r.seq,
    ts: r.ts,
    receivedAt: r.receivedAt,
    data: r.data,
  };
}

const RECEIVED_AT = '"receivedAt":';

/**
 * A stored reading's top-level `receivedAt` without decoding it all. The key can only be a key (quotes in
 * strings are escaped); with no `{` or `[` before it, it is the top-level one. Anything else is decoded.
 */
export function storedReceivedAt(text: string): number {
  const at = text.indexOf(RECEIVED_AT);
  if (at > 0 && text.lastIndexOf('{', at) === 0 && text.lastIndexOf('[', at) === -1) {
    const start = at + RECEIVED_AT.length;
    let end = start;
    while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
    const next = text[end];
    // A plain integer: digits up to the next field or the end of the object.
    if (end > start && end - start < 16 && (next === ',' || next === '}'))
      return Number(text.slice(start, end));
  }
  return decodeStoredReading(text).receivedAt;
}
