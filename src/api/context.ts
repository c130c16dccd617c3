/** What the routes need, passed in one object (docs/architecture.md: dependencies come in as arguments). */

import type { AlarmService } from '../alarms/service.ts';
import type { LedgerApi } from '../anchoring/ledger-service.ts';
import type { EventBus } from '../events/bus.ts';
import type { IpfsNetwork } from '../ipfs/network.ts';
import type { Ipfs } from '../ipfs/node.ts';
import type { PinsReport } from '../ipfs/replication.ts';
import type { Masker } from '../masking/index.ts';
import type { Metrics } from '../metrics.ts';
import type {
  AccessLog,
  DeviceRegistry,
  PatientIndex,
  ReadingQueries,
  TokenStore,
  WindowLookup,
} from '../store/index.ts';
import type { TokenResolver } from './auth.ts';
import type { FhirContext } from './fhir/context.ts';
import type { FilesContext } from './routes/files.ts';

export type { LedgerApi };

/** The live events and the bounds of their stream (`http.events`, docs/limits.md). */
export interface LiveEvents {
  readonly bus: Pick<EventBus, 'subscribe'>;
  readonly maxClients: number;
  /** Streams one token (one principal name) may hold at once. */
  readonly maxPerToken: number;
  readonly maxBufferBytes: number;
  readonly heartbeatMs: number;
}

export interface ApiContext {
  readonly gatewayId: string;
  readonly resolveToken: TokenResolver;
  readonly registry: Pick<DeviceRegistry, 'get' | 'create' | 'createMany' | 'revoke' | 'list'>;
  readonly tokens: Pick<TokenStore, 'put'>;
  readonly readings: ReadingQueries;
  readonly patients: PatientIndex;
  readonly live: LiveEvents;
  readonly windows: WindowLookup;
  readonly sealedData: {
    leaves(windowKey: string): Promise<Uint8Array | undefined>;
    salts(windowKey: string): Promise<Uint8Array | undefined>;
  };
  /** This gateway's Ed25519 public key. */
  readonly gatewayKey: Uint8Array;
  /** Gateway id → trusted public keys (hex): this gateway, and later the consortium's members. */
  readonly trustedKeys: () => ReadonlyMap<string, readonly string[]>;
  readonly ipfs: Pick<Ipfs, 'get' | 'has'>;
  /** The IPFS network node, while `ipfs.network.enabled` has one running (docs/ipfs.md). */
  readonly ipfsNetwork?: () => Pick<IpfsNetwork, 'peerId' | 'multiaddrs'> | null;
  /** Per gateway, the batches the shared chain names, held and missing here; null while replication is off. */
  readonly ipfsPins?: () => PinsReport | null;
  /** Large files (docs/ipfs.md, "Files"); without them the file routes are not served. */
  readonly files?: FilesContext;
  readonly accessLog: Pick<AccessLog, 'append'>;
  /** The masking policy of what leaves the gateway: applied to readings of patients outside a grant. */
  readonly masker: Pick<Masker, 'mask'>;
  readonly metrics: Metrics;
  readonly disconnectDevice: (deviceId: string) => number;
  readonly secretHashLog2N: number;
  /** `POST /v1/devices` with an array provisions at most this many devices (http.devices.maxPerRequest). */
  readonly maxDevicesPerRequest: number;
  /** Readings stamped up to this far ahead are accepted, so default query ranges reach that far. */
  readonly maxFutureMs: number;
  /** A page of readings stops before this many bytes of stored readings (one reading at least). */
  readonly maxPageBytes: number;
  readonly ledger: LedgerApi;
  /** Alarms (docs/alarms.md); without them the alarm routes are not served. */
  readonly alarms?: Pick<AlarmService, 'get' | 'list' | 'acknowledge' | 'eventsOf' | 'log'>;
  /** The FHIR R4 API (/fhir, docs/fhir.md). */
  readonly fhir: FhirContext;
  readonly isReady: () => boolean;
  readonly clock: () => number;
}
