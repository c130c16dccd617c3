import { type ParsedPayload, parsePayload } from '../../../src/telemetry/parse.ts';
import type { ReadingKind } from '../../../src/telemetry/schemas.ts';

export const T0 = Date.UTC(2026, 10, 24, 3, 40);

/** parsePayload with the gateway's defaults (docs/devices.md), at `now`. */
export function parse(kind: ReadingKind, value: unknown, now: number): ParsedPayload {
  const bytes = new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
  return parsePayload(kind, bytes, {
    now,
    maxFutureMs: 5 * 60_000,
    backfillMs: 7 * 24 * 3_600_000,
    maxBatch: 500,
  });
}

/** Epoch ms of a reading's `ts`, either form. */
export const tsOf = (r: { ts: string | number }): number =>
  typeof r.ts === 'number' ? r.ts : Date.parse(r.ts);
