/**
 * The durable floor of lock-step ingestion: how fast this disk makes a small write durable. Lock-step
 * devices (20 clients, one reading in flight each) can be acknowledged no faster than 20 readings per synced
 * write, so 20 / (one synced write) is the most any broker that acknowledges after a durable commit can do
 * here; an in-memory broker has no such floor. Measured two ways on the bench's temporary directory (the
 * file system the gateway's data lives on): LevelDB batches of 20 readings written with `sync: true`, one
 * after another as the ingest log writes them, and a bare 4 KiB append + fdatasync.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';

export interface DurableFloor {
  /** Mean milliseconds of one synced LevelDB batch of `readings` puts. */
  readonly levelSyncMs: number;
  /** The slowest 1 % and the slowest of those synced batches: the disk's own tail. */
  readonly levelSyncP99Ms: number;
  readonly levelSyncMaxMs: number;
  /** Mean milliseconds of a 4 KiB append followed by fdatasync. */
  readonly fdatasyncMs: number;
  /** readings / levelSyncMs, per second: the lock-step ceiling of a durable broker on this disk. */
  readonly ceilingPerSecond: number;
  readonly readings: number;
}

export async function measureDurableFloor(readings = 20, writes = 1000): Promise<DurableFloor> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-durable-floor-'));
  try {
    const db = new Level<string, string>(join(dir, 'db'));
    await db.open();
    const value = 'x'.repeat(300);
    let seq = 0;
    const times: number[] = [];
    for (let i = 0; i < writes; i++) {
      const batch = db.batch();
      for (let r = 0; r < readings; r++) batch.put(String(seq++).padStart(16, '0'), value);
      const t = performance.now();
      await batch.write({ sync: true });
      times.push(performance.now() - t);
    }
    const levelSyncMs = times.reduce((a, b) => a + b, 0) / writes;
    times.sort((a, b) => a - b);
    const levelSyncP99Ms = times[Math.floor(writes * 0.99)] ?? Number.NaN;
    const levelSyncMaxMs = times[writes - 1] ?? Number.NaN;
    await db.close();
    const fd = openSync(join(dir, 'append'), 'a');
    const block = Buffer.alloc(4096, 1);
    const t0 = performance.now();
    for (let i = 0; i < writes; i++) {
      writeSync(fd, block);
      fdatasyncSync(fd);
    }
    const fdatasyncMs = (performance.now() - t0) / writes;
    closeSync(fd);
    return {
      levelSyncMs,
      levelSyncP99Ms,
      levelSyncMaxMs,
      fdatasyncMs,
      ceilingPerSecond: (readings * 1000) / levelSyncMs,
      readings,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
