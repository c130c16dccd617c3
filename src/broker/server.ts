/**
 * The MQTT side of the gateway: aedes with our hooks, a TCP listener (and TLS when configured), the
 * per-address connection limit and the packet size guard applied to every socket before aedes reads it.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import type { GatewayConfig } from '../config/index.ts';
import type { Metrics } from '../metrics.ts';
import type { ReceiptClock } from '../receipt-clock.ts';
import type { DeviceRecord, DeviceRegistry, IngestLog } from '../store/index.ts';
import { errorsTopic, parseTelemetryTopic } from '../telemetry/index.ts';
import { checkSubscribe } from './acl.ts';
import { createAuthenticator, remoteAddress } from './auth.ts';
import { createIngestHook, type ErrorReport } from './ingest.ts';
import { limitPacketSize } from './packet-limit.ts';
import { createRateLimiter } from './rate-limit.ts';

export interface BrokerComponents {
  readonly registry: Pick<DeviceRegistry, 'get'>;
  readonly ingestLog: Pick<IngestLog, 'submit'>;
  readonly metrics: Metrics;
  readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;
  readonly receiptClock: ReceiptClock;
}

export interface Broker {
  start(): Promise<void>;
  /** Stop accepting connections, close every client, close aedes. */
  stop(): Promise<void>;
  /** Close every connection of a device at once (revocation). */
  disconnectDevice(deviceId: string): number;
  connectedClients(): number;
  /** Bound TCP port (useful with port 0). */
  port(): number;
  tlsPort(): number | null;
}

export async function createBroker(
  config: GatewayConfig['mqtt'],
  components: BrokerComponents,
): Promise<Broker> {
  const { metrics, log } = components;
  const sessions = new WeakMap<Client, DeviceRecord>();
  const limiter = createRateLimiter(config.rateLimit);
  const authenticator = createAuthenticator({
    registry: components.registry,
    limiter,
    sessions,
    onRefused: (reason, client) => {
      metrics.connectionsRefused.inc({ reason });
      log('warn', `refused ${client.id || '(no client id)'} from ${remoteAddress(client)}: ${reason}`);
    },
  });
  const aedes = await Aedes.createBroker({
    id: 'medgate',
    maxClientsIdLength: 128,
    keepaliveLimit: config.keepaliveLimitSeconds || undefined,
    authenticate: authenticator.authenticate,
    authorizePublish: createIngestHook(
      {
        maxPayloadBytes: config.maxPayloadBytes,
        maxBatch: config.maxBatch,
        maxFutureMs: config.maxFutureSeconds * 1000,
        backfillMs: config.backfillDays * 86_400_000,
        ...config.readings,
      },
      {
        sessions,
        registry: components.registry,
        ingestLog: components.ingestLog,
        metrics,
        report: publishReport,
        log,
        receiptClock: components.receiptClock,
      },
    ),
    authorizeSubscribe(client, subscription, callback) {
      const device = sessions.get(client);
      if (device && checkSubscribe(subscription.topic, device.id)) return callback(null, subscription);
      log('warn', `refused subscription of ${client.id} to ${subscription.topic}`);
      // null subscription: SUBACK carries 0x80 (failure) for this topic, the connection stays.
      callback(null, null);
    },
  });
  skipDeliveryOfTelemetry(aedes);
  aedes.on('clientReady', () => metrics.connectedDevices.inc());
  aedes.on('clientDisconnect', () => metrics.connectedDevices.dec());

  function publishReport(deviceId: string, report: ErrorReport): void {
    aedes.publish(
      {
        cmd: 'publish',
        topic: errorsTopic(deviceId),
        payload: Buffer.from(JSON.stringify(report)),
        qos: 1,
        retain: false,
        dup: false,
      },
      () => {},
    );
  }

  function accept(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    if (!limiter.allowConnect(address, Date.now())) {
      metrics.connectionsRefused.inc({ reason: 'rate_limited' });
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const client = aedes.handle(socket) as Client & { _parser: unknown };
    limitPacketSize(client._parser, config.maxPacketBytes, (length) => {
      metrics.connectionsRefused.inc({ reason: 'packet_too_large' });
      log('warn', `closing ${client.id || address}: packet of ${length} bytes over ${config.maxPacketBytes}`);
    });
  }

  const servers: Server[] = [createServer(accept)];
  if (config.tls) {
    servers.push(
      createTlsServer(
        { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
        accept,
      ),
    );
  }

  const listen = (server: Server, port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  const boundPort = (server: Server | undefined) => {
    const address = server?.address();
    return address && typeof address === 'object' ? address.port : 0;
  };

  return {
    async start() {
      await listen(servers[0]!, config.port);
      if (config.tls && servers[1]) await listen(servers[1], config.tls.port);
    },
    async stop() {
      const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await Promise.all(closed);
    },
    disconnectDevice(deviceId) {
      authenticator.forget(deviceId);
      const clients = (aedes as unknown as { clients: Record<string, Client> }).clients;
      let n = 0;
      for (const [clientId, client] of Object.entries(clients)) {
        if (clientId === deviceId || clientId.startsWith(`${deviceId}:`)) {
          client.close();
          n++;
        }
      }
      return n;
    },
    connectedClients: () => aedes.connectedClients,
    port: () => boundPort(servers[0]),
    tlsPort: () => (config.tls ? boundPort(servers[1]) : null),
  };
}

type PublishFn = (packet: unknown, client: Client | null, done?: (err?: Error) => void) => void;

/**
 * Telemetry goes to the store, never to subscribers: no device may subscribe to another's telemetry
 * (SPEC §1), so aedes' delivery pipeline after the PUBACK (a persistence lookup per QoS 1 message, the
 * mqemitter fan-out, the `published` hook) has nothing to do for it and is skipped. Besides its CPU, that
 * pipeline worked through a deep backlog recursively and overflowed the stack with 5,000 devices.
 */
function skipDeliveryOfTelemetry(aedes: Aedes): void {
  const target = aedes as unknown as { publish: PublishFn };
  const deliver = target.publish.bind(aedes);
  target.publish = (packet, client, done) => {
    const topic = (packet as { topic: string }).topic;
    if (client && parseTelemetryTopic(topic)) {
      // Asynchronously, like aedes itself: a synchronous callback would recurse into the next packet.
      if (done) process.nextTick(done);
      return;
    }
    deliver(packet, client, done);
  };
}
