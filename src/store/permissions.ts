/**
 * The data dir holds patient ids, names, phones, notes and leaf salts in clear, and the keys dir the
 * gateway's secrets: both are the gateway user's alone (docs/limits.md, "HTTP API and data at rest").
 * New files are private through the process umask; what already exists is checked, and made private
 * where only its contents were loose. A data dir or key file open to others stops the start with the
 * chmod to run, because its contents may already have been read.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../errors.ts';

/** Group and other permission bits. */
const OTHERS = 0o077;

export interface PrivateDataOptions {
  readonly dataDir: string;
  /** The keys dir, when it is not inside the data dir. */
  readonly keysDir?: string | undefined;
  /** Key files named in the config (a signing key kept elsewhere, TLS private keys). */
  readonly keyFiles?: readonly string[];
}

/**
 * Sets the umask to 0o077, refuses a data dir, keys dir or key file open to group or others, creates the
 * data dir 0700 when it is missing and makes everything already in it 0700 (dirs) or 0600 (files).
 */
export function securePrivateData(options: PrivateDataOptions): void {
  process.umask(0o077);
  const { dataDir } = options;
  if (existsSync(dataDir)) refuseOpen(dataDir, 'data dir');
  else mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (options.keysDir !== undefined && existsSync(options.keysDir)) {
    refuseOpen(options.keysDir, 'keys dir');
    for (const name of readdirSync(options.keysDir)) {
      if (name.endsWith('.key')) refuseOpen(join(options.keysDir, name), 'key file');
    }
  }
  for (const file of options.keyFiles ?? []) if (existsSync(file)) refuseOpen(file, 'key file');
  const keys = join(dataDir, 'keys');
  if (existsSync(keys)) {
    for (const name of readdirSync(keys)) if (name.endsWith('.key')) refuseOpen(join(keys, name), 'key file');
  }
  makePrivate(dataDir);
}

function refuseOpen(path: string, what: string): void {
  const stat = lstatSync(path);
  const mode = stat.mode & 0o777;
  if ((mode & OTHERS) === 0) return;
  const wanted = stat.isDirectory() ? '700' : '600';
  throw new GatewayError(
    'ERR_INSECURE_PERMISSIONS',
    `${what} ${path} is open to other users (mode ${mode.toString(8).padStart(4, '0')}); it holds patient data or secrets. Check who could have read it, then run: chmod ${wanted} ${path}`,
  );
}

/**
 * The batch files (docs/ipfs.md, "Batch files"): one file a window, forever, written 0600 in 0700
 * directories by the gateway itself. Once that directory is private nothing in it is reachable by others,
 * and a start does not stat every file of years of windows: it is walked only when it was open.
 */
const BATCH_FILES_DIR = 'batches';

/** Files and dirs under `dir` (symbolic links are left alone: they point outside). */
function makePrivate(dir: string, top = true): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const wasOpen = chmodIfOpen(path, 0o700);
      if (top && entry.name === BATCH_FILES_DIR && !wasOpen) continue;
      makePrivate(path, false);
    } else if (entry.isFile()) {
      chmodIfOpen(path, 0o600);
    }
  }
}

/** True when the path was open to group or others (and is not any more). */
function chmodIfOpen(path: string, mode: number): boolean {
  if ((lstatSync(path).mode & OTHERS) === 0) return false;
  chmodSync(path, mode);
  return true;
}
