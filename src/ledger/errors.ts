/**
 * Ledger errors: one stable code per consensus rule (SPEC §4), so that a refused block says which rule it broke.
 * The gateway's registry (src/errors.ts) maps these codes to HTTP statuses.
 */

export const LEDGER_ERRORS = {
  ERR_BLOCK_MALFORMED: 'Block or header is malformed',
  ERR_BLOCK_UNKNOWN_PARENT: 'Block extends an unknown parent',
  ERR_BLOCK_BAD_LINK: 'Previous hash does not match the parent',
  ERR_BLOCK_BAD_HEIGHT: 'Height is not the parent height + 1',
  ERR_BLOCK_BAD_TARGET: 'Target does not follow the retarget rule',
  ERR_BLOCK_BAD_POW: 'Block hash exceeds its target',
  ERR_BLOCK_TIME_TOO_OLD: 'Timestamp is not after the median time past',
  ERR_BLOCK_TIME_TOO_FAR: 'Timestamp is too far in the future',
  ERR_BLOCK_NOT_MEMBER: 'Miner is not a consortium member',
  ERR_BLOCK_BAD_SIGNATURE: 'Miner signature over the block hash is invalid',
  ERR_BLOCK_BAD_RECORD: 'A record is malformed or not signed by its member gateway',
  ERR_BLOCK_DUPLICATE_RECORD: 'A record is already in the block or the chain',
  ERR_BLOCK_BAD_ANCHOR: 'Anchor root does not match the records',
  ERR_BLOCK_RECORD_TIME: "A record's minute is before the genesis or too far ahead of the block",
  ERR_BLOCK_CONFLICTS_FINAL: 'Block conflicts with the latest final block',
  ERR_BLOCK_RETIRED_MEMBER: 'Miner was retired from the consortium below this height',
  ERR_RECORD_TIME: "Record's minute is before the genesis or too far ahead of the receiver's clock",
  ERR_RECORD_ANCHORED: 'Another record for this gateway and minute is already anchored',
  ERR_RECORD_PENDING: 'Another record for this gateway and minute is already pending',
  ERR_RECORD_RETIRED_MEMBER: 'Record of a member retired from the consortium',
  ERR_POOL_FULL: 'The pool holds as many pending records of this member as it may',
  ERR_ATTESTATION_INVALID: 'Attestation is malformed, not by an active member, or its signature is invalid',
  ERR_ATTESTATION_CONFLICTS_FINAL: 'Attestation of a block that conflicts with the latest final block',
} as const;

export type LedgerErrorCode = keyof typeof LEDGER_ERRORS;

export class LedgerError extends Error {
  readonly code: LedgerErrorCode;
  /** What was wrong, without the rule's name (the message has both). */
  readonly reason: string | undefined;
  readonly details: unknown;

  constructor(code: LedgerErrorCode, reason?: string, details?: unknown) {
    super(reason === undefined ? LEDGER_ERRORS[code] : `${LEDGER_ERRORS[code]}: ${reason}`);
    this.name = 'LedgerError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

export function isLedgerError(err: unknown): err is LedgerError {
  return err instanceof LedgerError;
}
