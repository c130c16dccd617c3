/** Sealed windows ("minutes") as the store keeps them. */
import type { SignedMinuteRecord } from '../model/index.ts';

export interface WindowRecord {
  readonly start: number;
  readonly end: number;
  /**
   * Leaves 0..readings-1 are readings (in id order), then `access` access-log entries, then `alarms` alarm
   * events (absent in windows sealed before alarms existed: none).
   */
  readonly readings: number;
  readonly access: number;
  readonly firstReadingId: string | null;
  /**
   * Readings received in the window that could not be sealed and were moved to quarantine (ids, in order;
   * absent when none). The window's readings are the ids from `firstReadingId` on, these left out.
   */
  readonly skipped?: readonly string[];
  readonly firstAccessId: string | null;
  readonly alarms?: number;
  readonly record: SignedMinuteRecord;
  readonly sealedAt: number;
}

// The record's shape lives in src/model/; re-exported for the importers of this file.
export type { MinuteRecord, SignedMinuteRecord } from '../model/index.ts';
