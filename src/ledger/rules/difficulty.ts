/**
 * Retarget rule (docs/ledger.md): every K blocks, scale the target by how long the last K blocks took against the
 * configured interval, bounded by a factor and by min/max target. Pure: headers in, target out.
 */

import type { BlockHeader } from './header.ts';
import { checkHeader } from './header.ts';
import { checkParams, type LedgerParams } from './params.ts';

/** How many of the latest headers `nextTarget` and `medianTimePast` need to judge the child of the last one. */
export function ancestorsNeeded(parentHeight: number, params: LedgerParams): number {
  return Math.min(parentHeight + 1, Math.max(params.retargetInterval, params.medianTimeSpan));
}

/** Checks that `chainTail` is non-empty, ascending and consecutive in height; returns its last header. */
export function checkChainTail(name: string, chainTail: readonly BlockHeader[]): BlockHeader {
  if (!Array.isArray(chainTail) || chainTail.length === 0)
    throw new TypeError(`${name} must be a non-empty array`);
  chainTail.forEach((header, i) => {
    checkHeader(`${name}[${i}]`, header);
    if (i > 0 && header.height !== chainTail[i - 1]!.height + 1) {
      throw new RangeError(`${name} must be consecutive heights, ascending (at index ${i})`);
    }
  });
  return chainTail.at(-1)!;
}

/**
 * Target of the block after the last header of `chainTail` (ascending, consecutive, ending with the parent).
 * At a child height h that is a positive multiple of K, with first = header h - K and last = header h - 1:
 *   actual = last.timestamp - first.timestamp, expected = (K - 1) * interval (K - 1 gaps between K blocks),
 *   if actual * F < expected: parent.target / F; if actual > expected * F: parent.target * F;
 *   else floor(parent.target * actual / expected); then clamped to [minTarget, maxTarget].
 * At any other height, the parent's target.
 */
export function nextTarget(chainTail: readonly BlockHeader[], params: LedgerParams): bigint {
  checkParams('params', params);
  const parent = checkChainTail('chainTail', chainTail);
  const height = parent.height + 1;
  const k = params.retargetInterval;
  if (height % k !== 0) return parent.target;
  const first = chainTail[chainTail.length - k];
  if (first === undefined || first.height !== height - k) {
    throw new RangeError(`chainTail must hold the last ${k} headers at a retarget height (${height})`);
  }
  const actual = BigInt(parent.timestamp - first.timestamp);
  const expected = BigInt((k - 1) * params.targetIntervalMs);
  const factor = BigInt(params.maxAdjustFactor);
  let target: bigint;
  if (actual * factor < expected) target = parent.target / factor;
  else if (actual > expected * factor) target = parent.target * factor;
  else target = (parent.target * actual) / expected;
  if (target < params.minTarget) return params.minTarget;
  if (target > params.maxTarget) return params.maxTarget;
  return target;
}

/**
 * Median of the timestamps of the last `span` headers (fewer near genesis): sorted ascending, the element at
 * index floor(n / 2). A block's timestamp must be strictly greater.
 */
export function medianTimePast(chainTail: readonly BlockHeader[], span = 11): number {
  checkChainTail('chainTail', chainTail);
  const times = chainTail
    .slice(-span)
    .map((h) => h.timestamp)
    .sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)]!;
}
