/**
 * The gateway configuration (docs/configuration.md): one zod schema, strict (unknown keys are errors), with the
 * embedded defaults as schema defaults so that `{}` is a complete, working configuration.
 */
import { z } from 'zod';
import { DEFAULT_RULES, ruleSchema } from '../alarms/rules.ts';
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
      /** Payloads larger than this are acknowledged, quarantined and reported (docs/devices.md: 64 KiB). */
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
      /** A client asking for a longer keep-alive, or none (0), is held to this one (0: no bound). */
      keepaliveLimitSeconds: z.number().int().min(0).max(65_535).default(600),
      /** Bounds on what a device or a stranger can make the broker hold (docs/limits.md). */
      limits: z
        .strictObject({
          /** Authenticated connections of one device at a time; the next one gets CONNACK 5. */
          connectionsPerDevice: z.number().int().min(1).max(10_000).default(4),
          /** Open MQTT sockets in all; default derived from the process's descriptor limit. */
          maxConnections: z.number().int().min(1).max(10_000_000).optional(),
          /** Sockets that have not yet received a CONNACK, in all; default a quarter of maxConnections. */
          pendingConnections: z.number().int().min(1).max(10_000_000).optional(),
          /** Sockets that have not yet received a CONNACK, per remote address. */
          pendingPerAddress: z.number().int().min(1).max(100_000).default(16),
          /** A socket that has not sent its CONNECT within this is closed. */
          connectTimeoutSeconds: z.number().min(0.1).max(300).default(10),
          /** The CONNECT, and any packet sent ahead of the CONNACK, may announce at most this many bytes. */
          connectMaxBytes: z.number().int().min(256).max(1_048_576).default(16_384),
          /** Packets sent ahead of the CONNACK that the broker holds; one more closes the socket. */
          packetsBeforeConnack: z.number().int().min(1).max(1000).default(16),
          /** Descriptors kept back from MQTT for the HTTP API, LevelDB and the rest of the process. */
          reservedDescriptors: z.number().int().min(16).max(1_000_000).default(256),
          /**
           * Slow password hashes (scrypt) running at once, and waiting beyond those. Default: half the
           * cores (at least 1), so that hashing never takes every core from the event loop.
           */
          hashConcurrency: z.number().int().min(1).max(64).optional(),
          hashQueue: z.number().int().min(0).max(100_000).default(32),
          /** A persistent session (clean=false) is dropped this long after its last connection closed. */
          sessionExpirySeconds: z.number().min(1).max(31_536_000).default(3600),
          /** Persistent sessions (client ids with clean=false) a device keeps; a new one drops its oldest idle one. */
          sessionsPerDevice: z.number().int().min(1).max(10_000).default(4),
          /** QoS 1/2 messages queued for a persistent session; beyond, new ones are dropped. */
          sessionQueueMessages: z.number().int().min(0).max(100_000).default(100),
          /** Incoming QoS 2 messages awaiting PUBREL per client id; one more closes the connection. */
          qos2Inflight: z.number().int().min(1).max(65_535).default(16),
          /** QoS 0 messages per second per device (token bucket), and the burst above it. */
          qos0PerSecond: z.number().positive().max(1_000_000).default(20),
          qos0Burst: z.number().int().min(1).max(1_000_000).default(100),
          /** QoS 0 payload bytes per second per device (token bucket), and the burst above it. */
          qos0BytesPerSecond: z.number().positive().max(1_073_741_824).default(65_536),
          qos0BytesBurst: z.number().int().min(1).max(1_073_741_824).default(1_048_576),
          /**
           * QoS 1/2 payload bytes per second per device (token bucket), and the burst above it: beyond, a
           * message waits (its connection not read) instead of being dropped.
           */
          bytesPerSecond: z.number().positive().max(1_073_741_824).default(1_048_576),
          bytesBurst: z.number().int().min(1).max(1_073_741_824).default(8_388_608),
        })
        .prefault({}),
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
      /**
       * The live event stream `GET /v1/events` (docs/dashboard.md): at most `maxClients` streams open at
       * once and `maxPerToken` for one token (more get 503), a stream whose unsent events pass
       * `maxBufferBytes` (a client that does not read) is closed, and a comment line every
       * `heartbeatSeconds` keeps idle streams open through proxies.
       */
      events: z
        .strictObject({
          maxClients: z.number().int().min(1).max(1000).default(64),
          maxPerToken: z.number().int().min(1).max(1000).default(8),
          maxBufferBytes: z.number().int().min(4096).max(67_108_864).default(1_048_576),
          heartbeatSeconds: z.number().min(1).max(3600).default(15),
        })
        .prefault({}),
      /**
       * `POST /v1/devices` with an array provisions at most `maxPerRequest` devices at once (more get 413):
       * each costs one slow hash, so the bound keeps one request to seconds (docs/devices.md).
       */
      devices: z
        .strictObject({
          maxPerRequest: z.number().int().min(1).max(10_000).default(500),
        })
        .prefault({}),
    })
    .prefault({}),
  store: z
    .strictObject({
      /** Upper bound of readings in one group commit. */
      maxCommitBatch: z.number().int().min(1).max(100_000).default(10_000),
      /**
       * LevelDB's write buffer (MB): how much is written before it becomes a sorted file. Larger means fewer
       * files and compactions for the same writes, and up to twice this in memory (docs/limits.md).
       */
      writeBufferMb: z.number().int().min(1).max(256).default(4),
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
      /** Base URLs of the peer gateways' HTTP APIs (docs/configuration.md), e.g. `http://10.0.0.2:8080`. */
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
      /** Mine on schedule (docs/ledger.md). Off: blocks are still validated, relayed and mined on `POST /v1/ledger/mine`. */
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
  /** The IPFS network and replication (docs/ipfs.md; bounds in docs/limits.md, "IPFS and files"). */
  ipfs: z
    .strictObject({
      network: z
        .strictObject({
          /** Run a helia node (libp2p, bitswap) over the blockstore; off, helia is never loaded. */
          enabled: z.boolean().default(false),
          /** Multiaddrs to listen on. */
          listen: z
            .array(z.string().regex(/^\//, 'must be a multiaddr'))
            .max(16)
            .default(['/ip4/0.0.0.0/tcp/4001']),
          /** Multiaddrs ending in `/p2p/{peerId}` to dial and keep connected: the other members, an IPFS node. */
          peers: z
            .array(z.string().regex(/\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/, 'must end in /p2p/{peerId}'))
            .max(256)
            .default([]),
          /** Peers not connected are dialled again this often. */
          redialSeconds: z.number().min(1).max(3600).default(15),
          /** A peer key file (an Ed25519 seed, 64 hex digits) instead of `{keys.dir}/ipfs-peer.key`. */
          peerKeyFile: z.string().min(1).optional(),
          /** libp2p connections kept; past it the least valued are closed, strangers before `peers`. */
          maxConnections: z.number().int().min(1).max(10_000).default(64),
        })
        .prefault({}),
      /** Large files, `POST /v1/files` (docs/ipfs.md, "Files"); they work with the network off too. */
      files: z
        .strictObject({
          /** Bytes of one file; past it the upload is refused (413) and what was written is left unreferenced. */
          maxBytes: z.number().int().min(1).max(1_099_511_627_776).default(2_147_483_648),
          /** Uploads running at once; more get 429. */
          maxUploads: z.number().int().min(1).max(256).default(4),
        })
        .prefault({}),
      /** Fetching and keeping the batches named by the shared chain (docs/ipfs.md, "Replication"). */
      replication: z
        .strictObject({
          /** Replicate while the network is on. */
          enabled: z.boolean().default(true),
          /** Batches fetched at once. */
          concurrency: z.number().int().min(1).max(64).default(4),
          /** A batch that failed is tried again after this, doubling up to `retryMaxSeconds`. */
          retryInitialSeconds: z.number().min(0.1).max(3600).default(2),
          retryMaxSeconds: z.number().min(0.1).max(86_400).default(300),
          /** Time allowed to get one block from the peers. */
          blockTimeoutSeconds: z.number().min(0.1).max(600).default(30),
          /** A batch whose DAG has more blocks than this is refused. */
          maxBatchBlocks: z.number().int().min(1).max(10_000_000).default(100_000),
          /** A batch whose DAG has more bytes than this is refused (files included: above files.maxBytes). */
          maxBatchBytes: z.number().int().min(1024).max(1_099_511_627_776).default(4_294_967_296),
          /** A pass runs this often, and after every change of the chain's tip. */
          intervalSeconds: z.number().min(0.1).max(86_400).default(30),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Alarms and their webhooks (docs/alarms.md; bounds in docs/limits.md, "Alarms and webhooks"). */
  alarms: z
    .strictObject({
      /** Threshold rules by reading kind; the defaults watch SpO2, heart rate, the cold chain, drone battery and deliveries. */
      rules: z
        .array(ruleSchema)
        .max(256)
        .default(DEFAULT_RULES)
        .refine((rules) => new Set(rules.map((r) => r.id)).size === rules.length, 'rule ids must be unique')
        .refine((rules) => rules.every((r) => r.id !== 'news2'), 'the rule id news2 is reserved'),
      news2: z
        .strictObject({
          enabled: z.boolean().default(true),
          /** A parameter counts in the score while its latest value is at most this old (device time). */
          maxAgeSeconds: z.number().min(1).max(86_400).default(300),
          /** An open NEWS2 alarm closes once the score has stayed below urgent this long (device time). */
          clearSeconds: z.number().min(0).max(86_400).default(30),
        })
        .prefault({}),
      /** Committed readings waiting to be evaluated; past it new ones are not evaluated (counted). */
      maxPendingReadings: z.number().int().min(1).max(10_000_000).default(100_000),
      /** Patients and flights whose alarm state is kept in memory (the least recently seen without an open alarm go first). */
      maxSubjects: z.number().int().min(1).max(10_000_000).default(100_000),
      webhooks: z
        .array(
          z.strictObject({
            url: z.url({ protocol: /^https?$/ }),
            /** HMAC-SHA-256 key of `x-medgate-signature`. */
            secret: z.string().min(16).max(1024),
          }),
        )
        .max(32)
        .default([]),
      /** Deliveries waiting per webhook; past it the oldest is dropped (counted). */
      outboxMaxEntries: z.number().int().min(1).max(10_000_000).default(100_000),
      /** A failed delivery is retried after `retryInitialMs`, doubling up to `retryMaxMs`. */
      retryInitialMs: z.number().int().min(1).max(3_600_000).default(1000),
      retryMaxMs: z.number().int().min(1).max(86_400_000).default(300_000),
      /** Time allowed for one delivery request, connection to answer. */
      requestTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    })
    .prefault({}),
  /** The FHIR R4 API at /fhir (docs/fhir.md). */
  fhir: z
    .strictObject({
      /**
       * Absolute base of the links the API writes (`next`, `fullUrl`, export files), e.g.
       * `https://gateway.example.org/fhir`. Unset: taken from each request's scheme and Host.
       */
      baseUrl: z.url().optional(),
      /**
       * A search page stops after reading this many times `_count` readings, even with fewer matches (a
       * sparse code filter), and links to the rest: the work one request can ask for is bounded.
       */
      scanFactor: z.number().int().min(1).max(1000).default(10),
      /** Bulk export (docs/fhir.md, "Bulk export"); every bound is in docs/limits.md. */
      export: z
        .strictObject({
          /** Export jobs running at once; kick-offs beyond wait in the queue. */
          maxRunning: z.number().int().min(1).max(16).default(1),
          /** Jobs kept (queued, running or finished, not yet expired); kick-offs beyond get 429. */
          maxJobs: z.number().int().min(1).max(10_000).default(32),
          /** Jobs kept per token; kick-offs beyond get 429. */
          maxJobsPerToken: z.number().int().min(1).max(1000).default(4),
          /** An NDJSON file is closed and the next one begun past this many bytes. */
          maxFileBytes: z.number().int().min(1024).max(4_294_967_296).default(268_435_456),
          /** A finished job and its files are deleted this many seconds after it completes. */
          retentionSeconds: z.number().int().min(60).max(2_592_000).default(86_400),
          /** Total bytes of export files a job may write; past it the job fails. */
          maxJobBytes: z.number().int().min(1024).max(1_099_511_627_776).default(17_179_869_184),
          /**
           * Free disk the exports leave to the store: a kick-off is refused (507) below it, and a running
           * job fails when the disk falls below it, so an export never starves ingestion of space.
           */
          minFreeBytes: z.number().int().min(0).max(1_125_899_906_842_624).default(1_073_741_824),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type GatewayConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type TokenConfig = z.infer<typeof tokenSchema>;
export type { Role } from '../model/index.ts';
