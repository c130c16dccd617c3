/** Consensus parameters (docs/ledger.md): every member must use the same ones, so they travel in the consortium file. */
import { checkU256, MAX_U256 } from './bytes.ts';

export interface LedgerParams {
  /** The block interval the retarget aims at, ms (docs/ledger.md: default 10 minutes; the demo uses 30 s). */
  readonly targetIntervalMs: number;
  /** K: the target changes only at heights that are multiples of K (K ≥ 2). */
  readonly retargetInterval: number;
  /** A retarget multiplies or divides the target by at most this factor (integer ≥ 2). */
  readonly maxAdjustFactor: number;
  /** The genesis block's target, kept until the first retarget. */
  readonly genesisTarget: bigint;
  /** Hardest target allowed (lowest number). */
  readonly minTarget: bigint;
  /** Easiest target allowed (highest number). */
  readonly maxTarget: bigint;
  /** Blocks may be at most this far ahead of the validator's clock, ms (2 minutes). */
  readonly maxFutureMs: number;
  /** Median time past over this many ancestors (11). */
  readonly medianTimeSpan: number;
  /** Most records one block may carry. */
  readonly maxBlockRecords: number;
  /**
   * A record's minute may be at most this far ahead of the block's timestamp (in a block) or of the receiver's
   * clock (in the pool), ms (5 minutes); it may never be before the genesis.
   */
  readonly maxRecordAheadMs: number;
}

/**
 * Defaults for the 10-minute interval: 2^31 expected hashes at genesis, about 10 minutes for two threads of
 * the midstate miner at ~1.75M nonces/s each; the retarget corrects the rest within a day (K = 144).
 */
export const DEFAULT_LEDGER_PARAMS: LedgerParams = Object.freeze({
  targetIntervalMs: 600_000,
  retargetInterval: 144,
  maxAdjustFactor: 4,
  genesisTarget: (1n << 225n) - 1n,
  minTarget: 1n,
  maxTarget: MAX_U256,
  maxFutureMs: 120_000,
  medianTimeSpan: 11,
  maxBlockRecords: 10_000,
  maxRecordAheadMs: 300_000,
});

export function ledgerParams(overrides: Partial<LedgerParams> = {}): LedgerParams {
  const params = { ...DEFAULT_LEDGER_PARAMS, ...overrides };
  checkParams('params', params);
  return Object.freeze(params);
}

function checkInt(name: string, value: unknown, min: number): void {
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    throw new RangeError(`${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
}

export function checkParams(name: string, params: unknown): asserts params is LedgerParams {
  if (typeof params !== 'object' || params === null) throw new TypeError(`${name} must be an object`);
  const p = params as Record<string, unknown>;
  checkInt(`${name}.targetIntervalMs`, p['targetIntervalMs'], 1);
  checkInt(`${name}.retargetInterval`, p['retargetInterval'], 2);
  checkInt(`${name}.maxAdjustFactor`, p['maxAdjustFactor'], 2);
  checkInt(`${name}.maxFutureMs`, p['maxFutureMs'], 0);
  checkInt(`${name}.medianTimeSpan`, p['medianTimeSpan'], 1);
  checkInt(`${name}.maxBlockRecords`, p['maxBlockRecords'], 0);
  checkInt(`${name}.maxRecordAheadMs`, p['maxRecordAheadMs'], 0);
  checkU256(`${name}.genesisTarget`, p['genesisTarget']);
  checkU256(`${name}.minTarget`, p['minTarget']);
  checkU256(`${name}.maxTarget`, p['maxTarget']);
  const { genesisTarget, minTarget, maxTarget } = p as { [k: string]: bigint };
  if (!(minTarget! >= 1n && minTarget! <= genesisTarget! && genesisTarget! <= maxTarget!)) {
    throw new RangeError(`${name} must have 1 ≤ minTarget ≤ genesisTarget ≤ maxTarget`);
  }
}
