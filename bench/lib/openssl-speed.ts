/** SHA-256 throughput of `openssl speed`, the yardstick for our own hashing figures. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const OPENSSL = '/usr/bin/openssl';

export interface OpensslRate {
  readonly bytes: number;
  /** Hashes of `bytes`-byte messages per second, one core. */
  readonly hashesPerSecond: number;
}

/** `openssl speed -evp sha256 -bytes N -seconds S`; one core, so it measures what one of our threads can hope for. */
export async function opensslSha256(bytes: number, seconds: number): Promise<OpensslRate> {
  const { stdout } = await run(OPENSSL, [
    'speed',
    '-evp',
    'sha256',
    '-bytes',
    String(bytes),
    '-seconds',
    String(seconds),
  ]);
  // Last line: "sha256   723496.80k" (thousands of bytes per second).
  const match = /^sha256\s+([\d.]+)k\s*$/m.exec(stdout);
  if (match === null) throw new Error(`cannot read openssl speed output:\n${stdout}`);
  return { bytes, hashesPerSecond: (Number(match[1]) * 1000) / bytes };
}

export async function opensslVersion(): Promise<string> {
  const { stdout } = await run(OPENSSL, ['version']);
  return stdout.trim();
}
