/**
 * Slow password hashes run a bounded number at a time behind a bounded queue (docs/limits.md): a flood of
 * wrong secrets costs at most `concurrency` scrypt runs in parallel, and beyond the queue an attempt is
 * refused at once instead of waiting. Everything else (PUBACKs of connected devices) keeps the CPU.
 */

export interface HashSlots {
  /** Runs `task` when a slot is free; null when the queue is full (the caller refuses). */
  run<T>(task: () => Promise<T>): Promise<T> | null;
  running(): number;
  queued(): number;
}

export function createHashSlots(options: { concurrency: number; queue: number }): HashSlots {
  let running = 0;
  const waiting: Array<() => void> = [];

  function next(): void {
    running--;
    const start = waiting.shift();
    if (start) start();
  }

  return {
    run(task) {
      if (running >= options.concurrency && waiting.length >= options.queue) return null;
      return new Promise((resolve, reject) => {
        const start = () => {
          running++;
          task().then(resolve, reject).finally(next);
        };
        if (running < options.concurrency) start();
        else waiting.push(start);
      });
    },
    running: () => running,
    queued: () => waiting.length,
  };
}
