/** The shapes kept in the store. */
import type { FieldError, ReadingData, ReadingKind } from '../telemetry/index.ts';

export interface StoredReading {
  readonly id: string;
  readonly deviceId: string;
  readonly kind: ReadingKind;
  readonly seq: number;
  /** Device timestamp, epoch ms. */
  readonly ts: number;
  /** Gateway receipt time, epoch ms: decides the minute the reading is sealed in. */
  readonly receivedAt: number;
  readonly data: ReadingData;
}

export interface QuarantineEntry {
  readonly reason: string;
  readonly id: string;
  readonly deviceId: string;
  readonly kind: ReadingKind;
  readonly receivedAt: number;
  readonly seq: number | null;
  /** Position in the array of an offline buffer, or null for a whole-message problem. */
  readonly index: number | null;
  readonly errors: readonly FieldError[];
  /** The rejected reading as JSON text, or the payload (UTF-8, lossy) cut to a preview. */
  readonly raw: string;
  readonly sizeBytes: number;
}
