/**
 * Mining (docs/ledger.md): the nonce search in worker threads, off the event loop, stopped as soon as the caller
 * aborts (it does when a valid block for the same height arrives from a peer).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { siblingModule } from '../../threads/module-url.ts';
import { type BlockHeader, blockHash, checkHeader, encodeHeader, hashMeetsTarget } from '../rules/header.ts';
import type { PowWorkerInput, PowWorkerMessage } from './pow-worker.ts';

export interface MineProgress {
  /** Nonces tried so far, all workers together. */
  readonly hashes: number;
  readonly elapsedMs: number;
}

export interface MineOptions {
  /** Threads; default one per core (os.availableParallelism()). */
  readonly workers?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: MineProgress) => void;
  /** Nonces per search call between progress reports (2^18 ≈ 0.2 s per thread). */
  readonly chunk?: number;
}

const WORKER_URL = siblingModule('pow-worker', import.meta.url);
/** A mining thread allocates nothing per nonce: a small bounded heap (docs/limits.md). */
export const POW_WORKER_LIMITS = { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 };

function abortError(signal: AbortSignal): DOMException {
  return new DOMException('Mining was aborted', { name: 'AbortError', cause: signal.reason });
}

/**
 * Finds a nonce for which the header's double SHA-256 is ≤ its target and returns the header with it.
 * Worker i of n tries the high nonce words h0 + i, h0 + i + n, … (h0 = the header's nonce >> 32), each with
 * all 2^32 low words: the 64-bit nonce is both nonce and extra nonce, so the timestamp never has to move.
 * Rejects with an AbortError when `signal` aborts, once every worker has stopped.
 */
export function mine(header: BlockHeader, options: MineOptions = {}): Promise<BlockHeader> {
  checkHeader('header', header);
  const count = options.workers ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1 || count > 256) {
    throw new RangeError(`options.workers must be an integer in 1..256, got ${count}`);
  }
  const chunk = options.chunk ?? 2 ** 18;
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > 2 ** 32) {
    throw new RangeError(`options.chunk must be an integer in 1..2^32, got ${chunk}`);
  }
  const { signal, onProgress } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new TypeError('options.signal must be an AbortSignal');
  if (signal?.aborted) return Promise.reject(abortError(signal));

  const bytes = encodeHeader(header);
  const startHigh = Number(header.nonce >> 32n);
  const started = performance.now();
  let hashes = 0;

  return new Promise<BlockHeader>((resolve, reject) => {
    const workers: Worker[] = [];
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void Promise.all(workers.map((w) => w.terminate())).then(outcome, outcome);
    };
    const onAbort = () => finish(() => reject(abortError(signal!)));
    signal?.addEventListener('abort', onAbort, { once: true });

    for (let i = 0; i < count; i++) {
      const input: PowWorkerInput = {
        header: bytes,
        target: header.target,
        startHigh: startHigh + i,
        stride: count,
        chunk,
      };
      const worker = new Worker(WORKER_URL, { workerData: input, resourceLimits: POW_WORKER_LIMITS });
      workers.push(worker);
      worker.on('message', (message: PowWorkerMessage) => {
        if (settled) return;
        hashes += message.hashes;
        if (message.type === 'progress') {
          onProgress?.({ hashes, elapsedMs: performance.now() - started });
          return;
        }
        const nonce = (BigInt(message.high) << 32n) | BigInt(message.low);
        const mined = { ...header, nonce };
        // Cross-check the fast path against node:crypto before anyone signs it.
        if (!hashMeetsTarget(blockHash(mined), mined.target)) {
          finish(() =>
            reject(new Error(`nonce ${nonce} does not meet the target: midstate search is wrong`)),
          );
          return;
        }
        onProgress?.({ hashes, elapsedMs: performance.now() - started });
        finish(() => resolve(mined));
      });
      worker.on('error', (err) => finish(() => reject(err)));
    }
  });
}
