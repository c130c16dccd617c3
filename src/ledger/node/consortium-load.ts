/**
 * Where the gateway's consortium comes from (docs/ledger.md): the shared file named by `ledger.consortiumFile`, or,
 * with none, a single-member consortium of this gateway alone, written to `{dataDir}/ledger/consortium.json`
 * at the first start so that its genesis (and so the chain) stays the same across restarts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GatewayError } from '../../errors.ts';
import { toHex } from '../rules/bytes.ts';
import { type Consortium, type ConsortiumFile, parseConsortium } from '../rules/consortium.ts';

/**
 * A single member needs no protection from other miners, so its default genesis target is easy:
 * 2^236 − 1, about a million hashes (well under a second on one thread).
 */
export const SELF_GENESIS_TARGET = `00000${'f'.repeat(59)}`;

export interface ConsortiumSource {
  readonly consortium: Consortium;
  /** The file it was read from. */
  readonly file: string;
  /** True when this gateway generated it (single-member consortium). */
  readonly generated: boolean;
}

export interface LoadConsortiumOptions {
  readonly consortiumFile?: string | undefined;
  /** Where the generated single-member file is kept. */
  readonly selfFile: string;
  readonly gatewayId: string;
  readonly publicKey: Uint8Array;
  readonly params: { targetIntervalMs?: number; retargetInterval?: number; genesisTarget?: string };
  readonly defaultIntervalMs: number;
  readonly now: number;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new GatewayError(
      'ERR_CONFIG_INVALID',
      `cannot read consortium file ${file}: ${(err as Error).message}`,
    );
  }
}

function parse(file: string): Consortium {
  try {
    return parseConsortium(readJson(file));
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('ERR_CONFIG_INVALID', `${file}: ${(err as Error).message}`);
  }
}

export function loadConsortium(options: LoadConsortiumOptions): ConsortiumSource {
  if (options.consortiumFile !== undefined) {
    return { consortium: parse(options.consortiumFile), file: options.consortiumFile, generated: false };
  }
  const file = options.selfFile;
  if (!existsSync(file)) {
    const json: ConsortiumFile = {
      name: `${options.gatewayId}-solo`,
      members: [{ gatewayId: options.gatewayId, publicKey: toHex(options.publicKey) }],
      params: {
        targetIntervalMs: options.params.targetIntervalMs ?? options.defaultIntervalMs,
        retargetInterval: options.params.retargetInterval ?? 144,
        genesisTarget: options.params.genesisTarget ?? SELF_GENESIS_TARGET,
      },
      genesis: { timestamp: options.now },
    };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`, { flag: 'wx' });
  }
  const consortium = parse(file);
  const me = consortium.byGatewayId.get(options.gatewayId);
  if (me === undefined || toHex(me.publicKey) !== toHex(options.publicKey)) {
    throw new GatewayError(
      'ERR_CONFIG_INVALID',
      `${file} is the single-member consortium of another gateway id or key; remove it (and the ledger) or set ledger.consortiumFile`,
    );
  }
  return { consortium, file, generated: true };
}
