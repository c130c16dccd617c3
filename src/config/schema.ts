/**
 * The gateway configuration (SPEC §6): one zod schema, strict (unknown keys are errors), with the
 * embedded defaults as schema defaults so that `{}` is a complete, working configuration.
 */
import { z } from 'zod';
import { maskingPolicySchema } from '../masking/policy.ts';
import { hex32Schema, idSchema, roleSchema } from '../model/index.ts';

const port = z.number().int().min(0).max(65535);
const host = z.string().min(1);

const tokenSchema = z.strictObject({
  /** A label for logs and the access log; never the token itself. */
  name: z.string().min(1).max(64),
  /** SHA-256 of the bearer token, hex (`gateway token-hash` prints it). */
  sha256: hex32Schema,
  role: roleSchema,
  patients: z.array(idSchema).default([]),
});

export const configSchema = z.strictObject({
  gatewayId: idSchema.default('gw-local'),
  dataDir: z.string().min(1).default('./data'),
  /**
   * Demo devices and an admin token generated on the first start of an empty data dir and printed once.
   * Absent from a config file unless asked for; the embedded defaults have it.
   */
  demoSeed: z
    .strictObject({
      wearables: z.number().int().min(0).max(1000).default(2),
      drones: z.number().int().min(0).max(1000).default(1),
    })
    .optional(),
  mqtt: z
    .strictObject({
      host: host.default('127.0.0.1'),
      port: port.default(1883),
      tls: z
        .strictObject({ port: port.default(8883), certFile: z.string().min(1), keyFile: z.string().min(1) })
        .optional(),
      /** Payloads larger than this are acknowledged, quarantined and reported (SPEC §1: 64 KiB). */
      maxPayloadBytes: z.number().int().min(256).max(16_777_216).default(65_536),
      /** Packets announcing more than this are refused at the fixed header: the connection closes at once. */
      maxPacketBytes: z.number().int().min(1024).max(268_435_455).default(1_048_576),
      maxBatch: z.number().int().min(1).max(10_000).default(500),
      backfillDays: z.number().min(0).max(365).default(7),
      maxFutureSeconds: z.number().min(0).max(86_400).default(300),
      /** What one reading may cost (docs/limits.md, "Payloads and readings"). */
      readings: z
        .strictObject({
          /** JSON nested deeper than this (the payload is level 1) is an invalid reading. */
          maxDepth: z.number().int().min(4).max(64).default(16),
          /** Validation stops at this many problems; an error report names at most this many. */
          maxErrors: z.number().int().min(1).max(100).default(10),
          /** Characters of a rejected reading's text kept in quarantine. */
          quarantineRawBytes: z.number().int().min(256).max(65_536).default(4096),
        })
        .prefault({}),
      keepaliveLimitSeconds: z.number().int().min(0).max(65_535).default(0),
      rateLimit: z
        .strictObject({
          /** New connections per second per remote address, token bucket. */
          connectsPerSecond: z.number().positive().default(200),
          burst: z.number().int().positive().default(2000),
          /** Failed logins per address within the window before further attempts are refused. */
          failedAuthLimit: z.number().int().positive().default(20),
          failedAuthWindowSeconds: z.number().positive().default(60),
        })
        .prefault({}),
    })
    .prefault({}),
  http: z
    .strictObject({
      host: host.default('127.0.0.1'),
      port: port.default(8080),
      bodyLimitBytes: z.number().int().min(1024).default(1_048_576),
      /**
       * A page of readings stops before its stored readings pass this many bytes (a reading larger than
       * the bound comes alone); `nextCursor` continues where it stopped.
       */
      maxPageBytes: z.number().int().min(1024).max(67_108_864).default(1_048_576),
      /** Serve the API over HTTPS only, on `http.port` (PEM files). */
      tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
      /**
       * Failed authentications (401) per remote address: past `limit` in a window of `windowSeconds`, requests
       * with a bad or missing token get 429 with Retry-After until the window ends; valid tokens still pass.
       * At most `maxAddresses` addresses are tracked (the oldest window is forgotten first).
       */
      failedAuth: z
        .strictObject({
          limit: z.number().int().min(1).max(1_000_000).default(20),
          windowSeconds: z.number().min(1).max(86_400).default(60),
          maxAddresses: z.number().int().min(1).max(10_000_000).default(100_000),
        })
        .prefault({}),
    })
    .prefault({}),
  store: z
    .strictObject({
      /** Upper bound of readings in one group commit. */
      maxCommitBatch: z.number().int().min(1).max(100_000).default(10_000),
    })
    .prefault({}),
  security: z
    .strictObject({
      /** scrypt cost as log2(N) for device secrets. 14 ≈ 50 ms; verified secrets are cached in memory. */
      secretHashLog2N: z.number().int().min(10).max(20).default(14),
      tokens: z.array(tokenSchema).default([]),
    })
    .prefault({}),
  sealing: z
    .strictObject({
      /**
       * Length of a sealed window ("minute"), in seconds; must divide an hour. The demo uses 10.
       * Windows are aligned to the clock: a 60 s window starts at second 0 of each minute.
       */
      windowSeconds: z
        .number()
        .int()
        .min(1)
        .max(3600)
        .refine((n) => 3600 % n === 0, 'must divide 3600')
        .default(60),
      /** How long after a window ends before it is sealed, for commits still in flight. */
      graceSeconds: z.number().min(0).max(300).default(2),
      /** Leaves per IPFS page of a batch (pages also stop at about 512 KiB). */
      pageLeaves: z.number().int().min(1).max(100_000).default(1000),
    })
    .prefault({}),
  keys: z
    .strictObject({
      /** Where the gateway keeps its keys; default `{dataDir}/keys`. */
      dir: z.string().min(1).optional(),
      /** An Ed25519 secret key file (64 hex digits) to sign with, instead of `{dir}/gateway.key`. */
      signingKeyFile: z.string().min(1).optional(),
      /** Id of the batch key that encrypts new batches (`{dir}/batch-{id}.key`); default the newest. */
      batchKeyId: idSchema.optional(),
    })
    .prefault({}),
  masking: maskingPolicySchema,
  ledger: z
    .strictObject({
      /** Base URLs of the peer gateways' HTTP APIs (SPEC §6), e.g. `http://10.0.0.2:8080`. */
      peers: z.array(z.url()).default([]),
      /** Bearer token this gateway presents to its peers (a `peer`-role token there); else GATEWAY_PEER_TOKEN. */
      peerToken: z.string().min(16).optional(),
      /**
       * The consortium file shared by all members (members, params, genesis; docs/ledger.md). Without one the
       * gateway is a single-member consortium of itself, with a genesis fixed at its first start.
       */
      consortiumFile: z.string().min(1).optional(),
      /** Consensus parameters of that single-member consortium (same keys as the file's `params`). */
      params: z
        .strictObject({
          targetIntervalMs: z.number().int().min(1).optional(),
          retargetInterval: z.number().int().min(2).optional(),
          genesisTarget: hex32Schema.optional(),
        })
        .prefault({}),
      /** How often the heads of the peers are compared and missing blocks pulled. */
      syncIntervalSeconds: z.number().min(0.1).max(3600).default(10),
      /** Timeout of one request to a peer. */
      requestTimeoutMs: z.number().int().min(100).max(120_000).default(5000),
      /** A peer that failed is retried after 1 s, doubling up to this. */
      maxBackoffSeconds: z.number().min(0.1).max(3600).default(30),
      /** Bounds on what peers can make this gateway hold (docs/limits.md, "Peers and the ledger"). */
      limits: z
        .strictObject({
          /** Pending records of one member in the pool; its newest are refused beyond (ERR_POOL_FULL). */
          poolPerMember: z.number().int().min(1).max(1_000_000).default(2048),
          /** Records in one `POST /v1/ledger/records`. */
          recordsPerRequest: z.number().int().min(1).max(10_000).default(1000),
          /** Bytes of one `POST /v1/ledger/records` body. */
          recordsRequestBytes: z
            .number()
            .int()
            .min(1024)
            .max(64 * 1024 * 1024)
            .default(1024 * 1024),
          /** Attestations of blocks not seen yet, kept per member until their block arrives. */
          pendingAttestationsPerMember: z.number().int().min(1).max(100_000).default(256),
        })
        .prefault({}),
    })
    .prefault({}),
  anchoring: z
    .strictObject({
      /** Mine on schedule (SPEC §4). Off: blocks are still validated, relayed and mined on `POST /v1/ledger/mine`. */
      enabled: z.boolean().default(true),
      /** Mining runs every this many seconds (must divide an hour); the demo uses 30. */
      intervalSeconds: z
        .number()
        .int()
        .min(1)
        .max(3600)
        .refine((n) => 3600 % n === 0, 'must divide 3600')
        .default(600),
      /** PoW worker threads; 1 leaves the other core of a small box to ingestion and the API. */
      workers: z.number().int().min(1).max(256).default(1),
      /** Mine blocks without records too (keeps the chain moving; off by default). */
      mineEmpty: z.boolean().default(false),
    })
    .prefault({}),
});

export type GatewayConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type TokenConfig = z.infer<typeof tokenSchema>;
export type { Role } from '../model/index.ts';
