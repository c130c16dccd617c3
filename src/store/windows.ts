/** Sealed windows ("minutes") as the store keeps them. */

export interface MinuteRecord {
  readonly gatewayId: string;
  /** Start of the window, ISO-8601. */
  readonly minute: string;
  readonly count: number;
  /** RFC 9162 root over the window's leaves, hex. */
  readonly root: string;
  readonly batchCid: string;
}

export interface SignedMinuteRecord extends MinuteRecord {
  /** Ed25519 over the RFC 8785 canonical JSON of the five fields above, hex. */
  readonly signature: string;
}

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
