/**
 * Where a window's per-leaf work runs. A session takes the window's leaves in order and gives back the
 * pages they complete; the sealer writes them. Two engines run the same `LeafPages`: a worker thread
 * (seal-thread.ts) and this one, on the event loop, which gives the loop a turn every few milliseconds.
 */
import type { AlarmEventEntry } from '../alarms/store.ts';
import type { Masker } from '../masking/index.ts';
import type { AccessEntry } from '../store/index.ts';
import { LeafPages, type LeafPagesResult } from './leaf-pages.ts';
import type { PageParams, SealedPage } from './page-builder.ts';

export interface SealSession {
  /** Readings as stored (JSON text), in receipt order. */
  readings(texts: readonly string[]): Promise<SealedPage[]>;
  access(entries: readonly AccessEntry[]): Promise<SealedPage[]>;
  alarms(entries: readonly AlarmEventEntry[]): Promise<SealedPage[]>;
  /** The last page, the root and the leaf count. */
  finish(): Promise<LeafPagesResult>;
}

export interface SealEngine {
  begin(params: PageParams): SealSession;
  stop(): Promise<void>;
}

/** Longest run of per-leaf work between two turns of the event loop. */
const SLICE_MS = 5;
const STEP = 32;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function inThreadEngine(masker: Masker, salt?: () => Uint8Array): SealEngine {
  return {
    begin(params) {
      const pages = new LeafPages(params, masker, salt);
      // Calls are chained, so leaves keep their order even when the caller does not wait.
      let last: Promise<unknown> = Promise.resolve();
      const sliced = <T>(items: readonly T[], run: (part: readonly T[]) => SealedPage[]) => {
        const next = last.then(async () => {
          const out: SealedPage[] = [];
          let sliceStart = performance.now();
          for (let i = 0; i < items.length; i += STEP) {
            out.push(...run(items.slice(i, i + STEP)));
            if (performance.now() - sliceStart >= SLICE_MS) {
              await yieldToLoop();
              sliceStart = performance.now();
            }
          }
          return out;
        });
        last = next.catch(() => {});
        return next;
      };
      return {
        readings: (texts) => sliced(texts, (part) => pages.readings(part)),
        access: (entries) => sliced(entries, (part) => pages.access(part)),
        alarms: (entries) => sliced(entries, (part) => pages.alarms(part)),
        finish: () => last.then(() => pages.finish()),
      };
    },
    async stop() {},
  };
}
