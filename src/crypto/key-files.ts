/**
 * The gateway's secrets on disk, created on first start (mode 0600, hex): its Ed25519 signing key, the
 * HMAC key for pseudonyms, and the batch encryption keys. Batch keys are named `batch-{id}.key`; every key
 * in the directory can decrypt, the configured (or newest) one encrypts, so keys rotate by adding a file.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../errors.ts';
import { type SigningKey, signingKeyFromSecret } from './signing.ts';

export interface GatewayKeys {
  readonly signing: SigningKey;
  readonly pseudonym: Uint8Array;
  /** Batch keys by id. */
  readonly batch: ReadonlyMap<string, Uint8Array>;
  /** The id of the key new batches are encrypted with. */
  readonly currentBatchKeyId: string;
}

export interface KeyOptions {
  readonly dir: string;
  /** A signing key file to use instead of `{dir}/gateway.key` (consortium members get theirs assigned). */
  readonly signingKeyFile?: string | undefined;
  readonly batchKeyId?: string | undefined;
  /** Extra batch key from the environment (hex), id `env`. */
  readonly envBatchKey?: string | undefined;
}

export function loadOrCreateKeys(options: KeyOptions): GatewayKeys & { created: string[] } {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const created: string[] = [];
  const readOrCreate = (file: string): Uint8Array => {
    if (!existsSync(file)) {
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
      created.push(file);
    }
    return readHexKey(file);
  };
  const signingFile = options.signingKeyFile ?? join(options.dir, 'gateway.key');
  const signing = signingKeyFromSecret(
    options.signingKeyFile ? readHexKey(signingFile) : readOrCreate(signingFile),
  );
  const pseudonym = readOrCreate(join(options.dir, 'pseudonym.key'));

  const batch = new Map<string, Uint8Array>();
  for (const name of readdirSync(options.dir).sort()) {
    const match = /^batch-([A-Za-z0-9._-]{1,64})\.key$/.exec(name);
    if (match) batch.set(match[1]!, readHexKey(join(options.dir, name)));
  }
  if (options.envBatchKey) batch.set('env', parseHexKey(options.envBatchKey, 'GATEWAY_BATCH_KEY'));
  if (batch.size === 0) {
    const id = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    batch.set(id, readOrCreate(join(options.dir, `batch-${id}.key`)));
  }
  const currentBatchKeyId =
    options.batchKeyId ?? (options.envBatchKey ? 'env' : [...batch.keys()].sort().at(-1)!);
  if (!batch.has(currentBatchKeyId)) {
    throw new GatewayError(
      'ERR_CONFIG_INVALID',
      `batch key ${currentBatchKeyId} not found in ${options.dir}`,
    );
  }
  return { signing, pseudonym, batch, currentBatchKeyId, created };
}

export function readHexKey(file: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new GatewayError('ERR_CONFIG_INVALID', `cannot read key file ${file}: ${(err as Error).message}`);
  }
  return parseHexKey(text.trim(), file);
}

function parseHexKey(hex: string, source: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new GatewayError('ERR_CONFIG_INVALID', `${source}: a key is 64 hex digits (32 bytes)`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
