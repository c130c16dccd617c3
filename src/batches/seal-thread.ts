/**
 * The worker-thread engine of sealing: one long-lived thread (started at the first seal, ended by
 * `stop()`, or after IDLE_MS without work: an idle isolate holds tens of MB) runs the per-leaf work, so it
 * uses another core than ingestion. Requests are answered in
 * order; the thread keeps the process alive only while a request is waiting. If the thread fails or
 * exits, every waiting request rejects and the next seal starts a new thread.
 */
import { Worker } from 'node:worker_threads';
import { siblingModule } from '../threads/module-url.ts';
import type { LeafPagesResult } from './leaf-pages.ts';
import type { PageParams, SealedPage } from './page-builder.ts';
import type { SealEngine, SealSession } from './seal-session.ts';
import type { SealReply, SealRequest, SealWorkerInit } from './seal-worker.ts';

const WORKER_URL = siblingModule('seal-worker', import.meta.url);
const IDLE_MS = 15_000;
/**
 * The thread's own V8 heap, bounded (docs/limits.md): it holds a few chunks of readings and the page being
 * built, a few MB (the root is streamed, never the window), but with V8's defaults its garbage alone grew
 * to hundreds of MB.
 */
export const SEAL_WORKER_LIMITS = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 };

interface Waiting {
  resolve(reply: SealReply & { ok: true }): void;
  reject(err: Error): void;
}

export function threadEngine(init: SealWorkerInit): SealEngine {
  let worker: Worker | null = null;
  let waiting: Waiting[] = [];
  let idleTimer: NodeJS.Timeout | null = null;

  const retireWhenIdle = (w: Worker) => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleTimer = null;
      if (worker === w && waiting.length === 0) {
        worker = null;
        void w.terminate();
      }
    }, IDLE_MS);
    idleTimer.unref();
  };

  const failAll = (err: Error) => {
    const failed = waiting;
    waiting = [];
    worker = null;
    for (const w of failed) w.reject(err);
  };

  function start(): Worker {
    const w = new Worker(WORKER_URL, { workerData: init, resourceLimits: SEAL_WORKER_LIMITS });
    w.unref();
    w.on('message', (reply: SealReply) => {
      const next = waiting.shift();
      if (waiting.length === 0) {
        w.unref();
        retireWhenIdle(w);
      }
      if (!next) return;
      if (reply.ok) next.resolve(reply);
      else
        next.reject(Object.assign(new Error(`seal worker: ${reply.message}`), { workerStack: reply.stack }));
    });
    w.on('error', (err) => {
      if (worker === w) failAll(err);
    });
    w.on('exit', (code) => {
      if (worker === w && waiting.length > 0) failAll(new Error(`seal worker exited with code ${code}`));
      else if (worker === w) worker = null;
    });
    return w;
  }

  function request(message: SealRequest): Promise<SealReply & { ok: true }> {
    worker ??= start();
    worker.ref();
    const reply = new Promise<SealReply & { ok: true }>((resolve, reject) => {
      waiting.push({ resolve, reject });
    });
    worker.postMessage(message);
    // A caller that stops at an earlier failure never awaits the later replies.
    reply.catch(() => {});
    return reply;
  }

  return {
    begin(params: PageParams): SealSession {
      void request({ type: 'begin', params });
      const pages = (p: Promise<SealReply & { ok: true }>): Promise<SealedPage[]> => p.then((r) => r.pages);
      return {
        readings: (texts) => pages(request({ type: 'readings', texts })),
        access: (entries) => pages(request({ type: 'access', entries })),
        alarms: (entries) => pages(request({ type: 'alarms', entries })),
        finish: () =>
          request({ type: 'finish' }).then((r): LeafPagesResult => {
            if (!r.result) throw new Error('seal worker: no result');
            return r.result;
          }),
      };
    },
    async stop() {
      if (idleTimer) clearTimeout(idleTimer);
      const w = worker;
      failAll(new Error('sealing stopped'));
      await w?.terminate();
    },
  };
}
