/**
 * NDJSON output of an export job: one file per resource type, rolled over to a next file past
 * `maxFileBytes`, written through a small buffer (constant memory whatever the export's size). Files are
 * created 0600 and never overwritten.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportFile } from '../../store/index.ts';

const FLUSH_BYTES = 256 * 1024;

interface Current {
  readonly handle: FileHandle;
  readonly name: string;
  count: number;
  bytes: number;
}

export class JobBytesExceeded extends Error {}

export interface NdjsonFiles {
  /** Appends one resource as a line of the type's current file. */
  write(type: string, resource: unknown): Promise<void>;
  /** Flushes and closes every file; the list of files written. */
  close(): Promise<ExportFile[]>;
  /** Closes without flushing (a cancelled or failed job). */
  abort(): Promise<void>;
  readonly bytes: number;
}

export function createNdjsonFiles(
  dir: string,
  limits: { readonly maxFileBytes: number; readonly maxJobBytes: number },
  onBytes: (n: number) => void,
): NdjsonFiles {
  const current = new Map<string, Current>();
  const pending = new Map<string, string[]>();
  const pendingBytes = new Map<string, number>();
  const done: ExportFile[] = [];
  const index = new Map<string, number>();
  let total = 0;

  async function flush(type: string): Promise<void> {
    const lines = pending.get(type);
    if (!lines || lines.length === 0) return;
    pending.set(type, []);
    pendingBytes.set(type, 0);
    const file = current.get(type)!;
    await file.handle.write(lines.join(''));
  }

  async function finish(type: string): Promise<void> {
    await flush(type);
    const file = current.get(type);
    if (!file) return;
    await file.handle.close();
    current.delete(type);
    done.push({ type, name: file.name, count: file.count, bytes: file.bytes });
  }

  return {
    get bytes() {
      return total;
    },
    async write(type, resource) {
      const line = `${JSON.stringify(resource)}\n`;
      const size = Buffer.byteLength(line);
      if (total + size > limits.maxJobBytes)
        throw new JobBytesExceeded(`export passed ${limits.maxJobBytes} bytes`);
      let file = current.get(type);
      if (file && file.count > 0 && file.bytes + size > limits.maxFileBytes) {
        await finish(type);
        file = undefined;
      }
      if (!file) {
        const n = (index.get(type) ?? 0) + 1;
        index.set(type, n);
        const name = `${type}-${n}.ndjson`;
        file = { handle: await open(join(dir, name), 'wx', 0o600), name, count: 0, bytes: 0 };
        current.set(type, file);
      }
      file.count++;
      file.bytes += size;
      total += size;
      onBytes(size);
      const lines = pending.get(type) ?? [];
      lines.push(line);
      pending.set(type, lines);
      const buffered = (pendingBytes.get(type) ?? 0) + size;
      pendingBytes.set(type, buffered);
      if (buffered >= FLUSH_BYTES) await flush(type);
    },
    async close() {
      for (const type of [...current.keys()]) await finish(type);
      return [...done];
    },
    async abort() {
      for (const file of current.values()) await file.handle.close().catch(() => {});
      current.clear();
      pending.clear();
    },
  };
}
