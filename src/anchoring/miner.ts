/**
 * Mining on schedule (docs/ledger.md): every `intervalSeconds` a block template is built from the pool on the best
 * tip and mined in worker threads (src/ledger/node/pow.ts), off the event loop. The search is aborted when the tip
 * moves (a valid block for that height arrived) and starts again on the new tip with what is still pending.
 */
import type { SigningKey } from '../crypto/signing.ts';
import { type Block, isLedgerError, mine, sealBlock } from '../ledger/index.ts';
import type { LedgerNode } from '../ledger/node/chain.ts';
import type { Log } from '../log.ts';
import { type Schedule, schedule, windowCron } from './schedule.ts';

export interface MinerOptions {
  readonly intervalSeconds: number;
  /** Seconds after each interval boundary to fire (after the windows sealed at that boundary). */
  readonly offsetSeconds: number;
  readonly workers: number;
  readonly mineEmpty: boolean;
  /** Run on the node-cron schedule (else only `mineNow`). */
  readonly scheduled: boolean;
}

export interface MinerComponents {
  readonly node: Pick<LedgerNode, 'template' | 'head' | 'addBlock' | 'onTip'>;
  readonly key: SigningKey;
  readonly clock: () => number;
  readonly log: Log;
  readonly onMined: (block: Block) => void;
}

export interface Miner {
  /** Mines the pending records now (or joins the run in progress); null when there was nothing to mine. */
  mineNow(options?: { allowEmpty?: boolean }): Promise<Block | null>;
  stop(): Promise<void>;
}

const isAbort = (err: unknown) => (err as Error)?.name === 'AbortError';

export function createMiner(options: MinerOptions, components: MinerComponents): Miner {
  const { node, key, clock, log } = components;
  let running: Promise<Block | null> | null = null;
  let current: AbortController | null = null;
  let stopped = false;

  async function run(allowEmpty: boolean): Promise<Block | null> {
    while (!stopped) {
      const { header, records } = node.template(key.publicKey, clock());
      if (records.length === 0 && !allowEmpty) return null;
      const controller = new AbortController();
      current = controller;
      const parent = node.head().hash;
      const off = node.onTip((change) => {
        if (change.head.hash !== parent) controller.abort(new Error('the tip moved'));
      });
      let mined: typeof header;
      try {
        mined = await mine(header, { workers: options.workers, signal: controller.signal });
      } catch (err) {
        if (isAbort(err)) continue; // on the new tip, with what it left pending (or stop)
        throw err;
      } finally {
        off();
        current = null;
      }
      const block = sealBlock(mined, records, key);
      try {
        await node.addBlock(block);
      } catch (err) {
        // The tip moved between the search and here: build again on the new one.
        if (isLedgerError(err)) {
          log('warn', `mined block refused locally: ${err.message}`);
          continue;
        }
        throw err;
      }
      components.onMined(block);
      return block;
    }
    return null;
  }

  const task: Schedule | null = options.scheduled
    ? schedule(
        windowCron(options.intervalSeconds, options.offsetSeconds),
        'mine',
        () => mineNow(),
        (err) => log('error', `mining failed: ${err.stack ?? err.message}`),
      )
    : null;

  function mineNow(opts: { allowEmpty?: boolean } = {}): Promise<Block | null> {
    if (stopped) return Promise.resolve(null);
    running ??= run(opts.allowEmpty ?? options.mineEmpty).finally(() => {
      running = null;
    });
    return running;
  }

  return {
    mineNow,
    async stop() {
      stopped = true;
      await task?.stop();
      current?.abort(new Error('stopping'));
      await running?.catch(() => null);
    },
  };
}
