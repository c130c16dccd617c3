/** The shapes kept in the store. */
import type { ReadingKind } from '../model/index.ts';
import type { FieldError } from '../telemetry/index.ts';

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

// The reading's shape lives in src/model/; re-exported for the importers of this file.
export type { StoredReading } from '../model/index.ts';
