/**
 * One mining thread (started by pow.ts): walks its share of the 64-bit nonce space, 2^32 nonces per high
 * word, its high words spaced by the number of workers so that no two threads try the same nonce. Reports
 * progress per chunk and stops at the first nonce that meets the target. The main thread ends it with
 * terminate() when another thread found one or the caller aborted.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '../../threads/background.ts';
import { preparePowJob, searchNonces } from './pow-search.ts';

export interface PowWorkerInput {
  /** The encoded header (its nonce is ignored). */
  readonly header: Uint8Array;
  readonly target: bigint;
  readonly startHigh: number;
  readonly stride: number;
  readonly chunk: number;
}

export type PowWorkerMessage =
  | { readonly type: 'progress'; readonly hashes: number }
  | { readonly type: 'found'; readonly high: number; readonly low: number; readonly hashes: number };

function run(input: PowWorkerInput): void {
  const job = preparePowJob(input.header, input.target);
  const port = parentPort!;
  for (let high = input.startHigh >>> 0; ; high = (high + input.stride) >>> 0) {
    for (let low = 0; low < 2 ** 32; low += input.chunk) {
      const count = Math.min(input.chunk, 2 ** 32 - low);
      const found = searchNonces(job, high, low, count);
      if (found >= 0) {
        port.postMessage({
          type: 'found',
          high,
          low: found,
          hashes: found - low + 1,
        } satisfies PowWorkerMessage);
        return;
      }
      port.postMessage({ type: 'progress', hashes: count } satisfies PowWorkerMessage);
    }
  }
}

lowerThreadPriority();
run(workerData as PowWorkerInput);
