/**
 * The consortium (docs/ledger.md): member gateways with their Ed25519 keys, the consensus parameters and the genesis,
 * from the JSON file every member shares. Pure: the caller reads the file and passes the parsed JSON.
 */
import { z } from 'zod';
import { merkleRoot } from '../../merkle/index.ts';
import { hex32Schema, idSchema } from '../../model/index.ts';
import type { Block } from './block.ts';
import { minerIdOf } from './block.ts';
import { bytesToU256, fromHex, HASH_SIZE, toHex } from './bytes.ts';
import { type BlockHeader, blockHash, LEDGER_VERSION } from './header.ts';
import { type LedgerParams, ledgerParams } from './params.ts';

const hex32 = hex32Schema;
const gatewayId = idSchema;
const int = (min: number) => z.number().int().min(min).max(Number.MAX_SAFE_INTEGER);

export const consortiumFileSchema = z
  .strictObject({
    name: z.string().min(1).max(100),
    members: z
      .array(
        z.strictObject({
          gatewayId,
          publicKey: hex32,
          /**
           * A retired member (its key leaked, or it left): its blocks above this height and its attestations of
           * blocks above it are refused, and it no longer counts toward the attestation majority there.
           */
          retiredAt: int(0).optional(),
        }),
      )
      .min(1),
    /** Consensus parameters; absent ones take DEFAULT_LEDGER_PARAMS. Targets are 64 hex digits. */
    params: z
      .strictObject({
        targetIntervalMs: int(1),
        retargetInterval: int(2),
        maxAdjustFactor: int(2),
        genesisTarget: hex32,
        minTarget: hex32,
        maxTarget: hex32,
        maxFutureMs: int(0),
        medianTimeSpan: int(1),
        maxBlockRecords: int(0),
        maxRecordAheadMs: int(0),
      })
      .partial()
      .default({}),
    genesis: z.strictObject({
      /** Genesis timestamp, ms: set it near the launch (the first retarget measures from it). */
      timestamp: int(0),
      /** When given, the genesis hash every member must compute: a check that all read the same file. */
      hash: hex32.optional(),
    }),
  })
  .superRefine((file, ctx) => {
    for (const key of ['gatewayId', 'publicKey'] as const) {
      const values = file.members.map((m) => m[key]);
      values.forEach((v, i) => {
        if (values.indexOf(v) !== i)
          ctx.addIssue({ code: 'custom', path: ['members', i, key], message: 'duplicate' });
      });
    }
  });

export type ConsortiumFile = z.input<typeof consortiumFileSchema>;

export interface Member {
  readonly gatewayId: string;
  readonly publicKey: Uint8Array;
  /** SHA-256 of the public key, as headers name their miner. */
  readonly minerId: Uint8Array;
  /** Blocks above this height no longer accept its blocks or attestations (undefined: active). */
  readonly retiredAt?: number | undefined;
}

export interface Consortium {
  readonly name: string;
  readonly members: readonly Member[];
  readonly params: LedgerParams;
  readonly genesis: Block;
  readonly genesisHash: Uint8Array;
  readonly byGatewayId: ReadonlyMap<string, Member>;
  /** Keyed by the miner id in hex. */
  readonly byMinerId: ReadonlyMap<string, Member>;
}

/**
 * The genesis header: version 1, height 0, previous hash and miner id all zeros, anchor root of no records
 * (SHA-256 of the empty string), the genesis target, nonce 0. It is fixed by the file, not mined or signed.
 */
export function genesisHeader(params: LedgerParams, timestamp: number): BlockHeader {
  return {
    version: LEDGER_VERSION,
    height: 0,
    previousHash: new Uint8Array(HASH_SIZE),
    timestamp,
    anchorRoot: merkleRoot([]),
    target: params.genesisTarget,
    minerId: new Uint8Array(HASH_SIZE),
    nonce: 0n,
  };
}

/** Parses and checks a consortium file's JSON; a TypeError lists every problem. */
export function parseConsortium(json: unknown): Consortium {
  const parsed = consortiumFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new TypeError(`consortium file is invalid:\n  ${problems.join('\n  ')}`, { cause: parsed.error });
  }
  const file = parsed.data;
  const { genesisTarget, minTarget, maxTarget, ...numbers } = file.params;
  const target = (hex: string | undefined) =>
    hex === undefined ? undefined : bytesToU256(fromHex('target', hex));
  const params = ledgerParams(
    Object.fromEntries(
      Object.entries({
        ...numbers,
        genesisTarget: target(genesisTarget),
        minTarget: target(minTarget),
        maxTarget: target(maxTarget),
      }).filter(([, v]) => v !== undefined),
    ),
  );
  const header = genesisHeader(params, file.genesis.timestamp);
  const genesisHash = blockHash(header);
  if (file.genesis.hash !== undefined && file.genesis.hash !== toHex(genesisHash)) {
    throw new TypeError(
      `consortium file is invalid:\n  genesis.hash: the genesis header hashes to ${toHex(genesisHash)}`,
    );
  }
  const members = file.members.map((m) => {
    const publicKey = fromHex('publicKey', m.publicKey, 32);
    return Object.freeze({
      gatewayId: m.gatewayId,
      publicKey,
      minerId: minerIdOf(publicKey),
      ...(m.retiredAt === undefined ? {} : { retiredAt: m.retiredAt }),
    });
  });
  return Object.freeze({
    name: file.name,
    members,
    params,
    genesis: { header, signature: new Uint8Array(64), records: [] },
    genesisHash,
    byGatewayId: new Map(members.map((m) => [m.gatewayId, m])),
    byMinerId: new Map(members.map((m) => [toHex(m.minerId), m])),
  });
}

export function isMember(consortium: Consortium, gatewayId: string): boolean {
  return consortium.byGatewayId.has(gatewayId);
}

/** True when `member` may mine or attest the block at `height` (not retired below it). */
export function activeAt(member: Member, height: number): boolean {
  return member.retiredAt === undefined || height <= member.retiredAt;
}

/** Members whose attestations count at `height`. */
export function activeMembers(consortium: Consortium, height: number): Member[] {
  return consortium.members.filter((m) => activeAt(m, height));
}

/** Attestations needed for a block at `height` to be final: more than half of the active members. */
export function quorumAt(consortium: Consortium, height: number): number {
  return Math.floor(activeMembers(consortium, height).length / 2) + 1;
}

export function memberByMinerId(consortium: Consortium, minerId: Uint8Array): Member | undefined {
  return consortium.byMinerId.get(toHex(minerId));
}

/**
 * Whose minute records this gateway trusts, by gateway id (hex public keys): every member's key, and its own
 * key under its own id (a gateway outside the consortium still proves its own records).
 */
export function trustedRecordKeys(
  consortium: Consortium,
  gatewayId: string,
  ownPublicKey: Uint8Array,
): Map<string, string[]> {
  const trusted = new Map<string, string[]>(
    consortium.members.map((m) => [m.gatewayId, [toHex(m.publicKey)]]),
  );
  const own = toHex(ownPublicKey);
  if (!trusted.get(gatewayId)?.includes(own))
    trusted.set(gatewayId, [...(trusted.get(gatewayId) ?? []), own]);
  return trusted;
}
