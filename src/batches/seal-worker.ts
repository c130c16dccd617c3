/**
 * The seal worker thread (started by seal-thread.ts, once, and kept): runs `LeafPages` for one window at
 * a time. Every request gets exactly one reply, in order; the pages' bytes are transferred, not copied.
 * An error drops the window's state: the sealer gives the window up and seals it again later.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AlarmEventEntry } from '../alarms/store.ts';
import { createMasker, type MaskingRule } from '../masking/index.ts';
import type { AccessEntry } from '../store/index.ts';
import { lowerThreadPriority } from '../threads/background.ts';
import { LeafPages, type LeafPagesResult } from './leaf-pages.ts';
import type { PageParams, SealedPage } from './page-builder.ts';

export interface SealWorkerInit {
  readonly rules: readonly MaskingRule[];
  readonly pseudonymKey: Uint8Array;
}

export type SealRequest =
  | { readonly type: 'begin'; readonly params: PageParams }
  | { readonly type: 'readings'; readonly texts: readonly string[] }
  | { readonly type: 'access'; readonly entries: readonly AccessEntry[] }
  | { readonly type: 'alarms'; readonly entries: readonly AlarmEventEntry[] }
  | { readonly type: 'finish' };

export type SealReply =
  | { readonly ok: true; readonly pages: SealedPage[]; readonly result?: LeafPagesResult }
  | { readonly ok: false; readonly message: string; readonly stack?: string | undefined };

lowerThreadPriority();
const init = workerData as SealWorkerInit;
const masker = createMasker(init.rules, init.pseudonymKey);
const port = parentPort!;
let window: LeafPages | null = null;

function current(): LeafPages {
  if (!window) throw new Error('no window is being sealed');
  return window;
}

function handle(request: SealRequest): SealReply {
  switch (request.type) {
    case 'begin':
      window = new LeafPages(request.params, masker);
      return { ok: true, pages: [] };
    case 'readings':
      return { ok: true, pages: current().readings(request.texts) };
    case 'access':
      return { ok: true, pages: current().access(request.entries) };
    case 'alarms':
      return { ok: true, pages: current().alarms(request.entries) };
    case 'finish': {
      const result = current().finish();
      window = null;
      return { ok: true, pages: result.pages, result };
    }
  }
}

/** The pages' own buffers (each page array is a whole buffer of its own). */
function transferList(pages: readonly SealedPage[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const p of pages) {
    for (const bytes of [p.masked, p.sealed, p.hashes, p.salts]) {
      const buffer = bytes.buffer as ArrayBuffer;
      if (bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) out.add(buffer);
    }
  }
  return [...out];
}

port.on('message', (request: SealRequest) => {
  let reply: SealReply;
  try {
    reply = handle(request);
  } catch (err) {
    window = null;
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { ok: false, message: e.message, stack: e.stack };
  }
  port.postMessage(reply, reply.ok ? transferList(reply.pages) : []);
});
