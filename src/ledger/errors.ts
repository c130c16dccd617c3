/**
 * Ledger errors: one stable code per consensus rule (docs/ledger.md), so that a refused block says which rule it
 * broke. The codes, their messages and HTTP statuses are in the gateway's one registry (src/errors.ts).
 */
import { ERRORS } from '../errors.ts';

const LEDGER_CODES = [
  'ERR_BLOCK_MALFORMED',
  'ERR_BLOCK_UNKNOWN_PARENT',
  'ERR_BLOCK_BAD_LINK',
  'ERR_BLOCK_BAD_HEIGHT',
  'ERR_BLOCK_BAD_TARGET',
  'ERR_BLOCK_BAD_POW',
  'ERR_BLOCK_TIME_TOO_OLD',
  'ERR_BLOCK_TIME_TOO_FAR',
  'ERR_BLOCK_NOT_MEMBER',
  'ERR_BLOCK_BAD_SIGNATURE',
  'ERR_BLOCK_BAD_RECORD',
  'ERR_BLOCK_DUPLICATE_RECORD',
  'ERR_BLOCK_BAD_ANCHOR',
  'ERR_BLOCK_RECORD_TIME',
  'ERR_BLOCK_CONFLICTS_FINAL',
  'ERR_BLOCK_RETIRED_MEMBER',
  'ERR_RECORD_TIME',
  'ERR_RECORD_ANCHORED',
  'ERR_RECORD_PENDING',
  'ERR_RECORD_RETIRED_MEMBER',
  'ERR_POOL_FULL',
  'ERR_ATTESTATION_INVALID',
  'ERR_ATTESTATION_CONFLICTS_FINAL',
] as const;

export type LedgerErrorCode = (typeof LEDGER_CODES)[number];

/** The ledger's codes and their messages, from the registry. */
export const LEDGER_ERRORS = Object.fromEntries(LEDGER_CODES.map((code) => [code, ERRORS[code].message])) as {
  readonly [C in LedgerErrorCode]: (typeof ERRORS)[C]['message'];
};

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
