/**
 * Background threads yield the CPU to ingestion (docs/limits.md, "Threads"): sealing and proof-of-work run
 * in worker threads at a lower scheduling priority, so that on a small gateway (two cores, shared with
 * LevelDB's compaction) a PUBACK never waits for a hash loop to be descheduled. Linux schedules threads, not
 * processes: `setpriority` on a thread id lowers that thread alone. Elsewhere, or where /proc is not
 * mounted, the thread keeps its priority.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value of background threads: 10 gives the event loop about nine tenths of a contended core. */
export const BACKGROUND_NICE = 10;

/** Lowers the calling thread's priority; returns whether it could. Call it first thing in a worker. */
export function lowerThreadPriority(nice = BACKGROUND_NICE): boolean {
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>".
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
