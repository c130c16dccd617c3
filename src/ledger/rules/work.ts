/** Work: the expected number of hashes to find a block at a target (docs/ledger.md fork choice: most cumulative work). */
import { checkU256 } from './bytes.ts';
import type { BlockHeader } from './header.ts';

const TWO_256 = 1n << 256n;

/** floor(2^256 / (target + 1)): hashes are uniform over 0..2^256-1 and target + 1 of them meet the target. */
export function workOf(target: bigint): bigint {
  checkU256('target', target);
  return TWO_256 / (target + 1n);
}

/** Sum of workOf over the headers' targets (add the parent's cumulative work to extend a chain). */
export function chainWork(headers: readonly BlockHeader[]): bigint {
  if (!Array.isArray(headers)) throw new TypeError('headers must be an array');
  let work = 0n;
  for (const header of headers) work += workOf(header.target);
  return work;
}
