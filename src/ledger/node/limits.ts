/**
 * Bounds on what peers can make a ledger node hold (docs/limits.md, "Peers and the ledger"). Local to each
 * gateway (config `ledger.limits`), unlike the consensus parameters every member shares.
 */
export interface LedgerLimits {
  /** Pending records of one member the pool keeps; beyond it that member's newest are refused (ERR_POOL_FULL). */
  readonly poolPerMember: number;
  /** Records one `POST /v1/ledger/records` may carry. */
  readonly recordsPerRequest: number;
  /** Bytes of one `POST /v1/ledger/records` body. */
  readonly recordsRequestBytes: number;
  /** Attestations of blocks not known yet kept per member, waiting for their block (oldest dropped). */
  readonly pendingAttestationsPerMember: number;
}

export const DEFAULT_LEDGER_LIMITS: LedgerLimits = Object.freeze({
  poolPerMember: 2048,
  recordsPerRequest: 1000,
  recordsRequestBytes: 1024 * 1024,
  pendingAttestationsPerMember: 256,
});
