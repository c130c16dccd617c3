/**
 * The MQTT side of the gateway: aedes with our hooks, a TCP listener (and TLS when configured), and the
 * bounds of docs/limits.md applied to every socket before aedes reads it: sockets in all and awaiting
 * CONNACK, the CONNECT timeout and size, then per device: connections, sessions, QoS 0 rate, QoS 2 flows.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import type { GatewayConfig } from '../config/index.ts';
import { hashSecret } from '../crypto/secret-hash.ts';
import type { Metrics } from '../metrics.ts';
import type { ReceiptClock } from '../receipt-clock.ts';
import type { DeviceRecord, DeviceRegistry, IngestLog } from '../store/index.ts';
import { errorsTopic, parseTelemetryTopic } from '../telemetry/index.ts';
import { checkSubscribe } from './acl.ts';
import { type ConnectPacket, packetParserOf, registeredClients, skipDelivery } from './aedes-adapter.ts';
import { createAuthenticator, remoteAddress } from './auth.ts';
import { type Admission, createConnectionGuard } from './connection-guard.ts';
import { createDeviceConnections } from './device-connections.ts';
import { acknowledgedPace, pace, qos0Limit } from './device-pace.ts';
import { type DescriptorLimit, deriveConnectionCaps, readDescriptorLimit } from './fd-limit.ts';
import { createHashSlots } from './hash-slots.ts';
import { createIngestHook, type ErrorReport } from './ingest.ts';
import { escapeForLog } from './log-escape.ts';
import { limitPacketSize } from './packet-limit.ts';
import { createRateLimiter } from './rate-limit.ts';
import { createSessionStore } from './session-store.ts';

export interface BrokerComponents {
  readonly registry: Pick<DeviceRegistry, 'get'>;
  readonly ingestLog: Pick<IngestLog, 'submit'>;
  readonly metrics: Metrics;
  readonly log: (level: 'info' | 'warn' | 'error', message: string) => void;
  readonly receiptClock: ReceiptClock;
  /** Cost of the dummy hash unknown device ids are checked against (the cost of real secrets). */
  readonly secretHashLog2N: number;
  /** The descriptor limit the socket caps derive from; default read from /proc/self/limits. */
  readonly descriptorLimit?: DescriptorLimit | null;
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
  const { limits } = config;
  const sessions = new WeakMap<Client, DeviceRecord>();
  const limiter = createRateLimiter(config.rateLimit);
  const descriptors =
    components.descriptorLimit === undefined ? readDescriptorLimit() : components.descriptorLimit;
  const caps = deriveConnectionCaps(descriptors, {
    reserved: limits.reservedDescriptors,
    maxConnections: limits.maxConnections,
    pendingConnections: limits.pendingConnections,
  });
  metrics.mqttSocketCap.set({ cap: 'open' }, caps.maxConnections);
  metrics.mqttSocketCap.set({ cap: 'pending' }, caps.pendingConnections);
  log(
    'info',
    `mqtt: at most ${caps.maxConnections} sockets, ${caps.pendingConnections} awaiting CONNACK ` +
      `(descriptor limit ${descriptors ? descriptors.soft : 'unknown'}, ${limits.reservedDescriptors} kept back)`,
  );
  const guard = createConnectionGuard({ ...caps, pendingPerAddress: limits.pendingPerAddress }, () =>
    metrics.connectionsRefused.inc({ reason: 'pending_evicted' }),
  );
  const admissions = new WeakMap<Client, Admission>();
  const deviceConnections = createDeviceConnections(limits.connectionsPerDevice);
  const sessionStore = createSessionStore({
    maxQueued: limits.sessionQueueMessages,
    maxIncoming: limits.qos2Inflight,
    expiryMs: limits.sessionExpirySeconds * 1000,
    onQueueDropped: () => metrics.sessionMessagesDropped.inc(),
    onIncomingRefused: (id) => {
      metrics.qos2Refused.inc();
      log('warn', `closing ${escapeForLog(id)}: over ${limits.qos2Inflight} QoS 2 messages awaiting PUBREL`);
    },
    maxPerDevice: limits.sessionsPerDevice,
    onExpired: () => metrics.sessionsExpired.inc(),
  });
  const authenticator = createAuthenticator({
    registry: components.registry,
    limiter,
    sessions,
    slots: createHashSlots({
      concurrency: limits.hashConcurrency ?? Math.max(1, Math.floor(availableParallelism() / 2)),
      queue: limits.hashQueue,
    }),
    dummyHash: await hashSecret(randomBytes(32).toString('hex'), components.secretHashLog2N),
    admitDevice: (client, device) => deviceConnections.admit(device.id, client),
    onHash: (outcome) => metrics.authHashes.inc({ outcome }),
    onRefused: (reason, client) => {
      metrics.connectionsRefused.inc({ reason });
      log(
        'warn',
        `refused ${escapeForLog(client.id || '(no client id)')} from ${escapeForLog(remoteAddress(client))}: ${reason}`,
      );
    },
  });
  const ingest = createIngestHook(
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
  );
  const authorizePublish = pace(
    qos0Limit(
      {
        perSecond: limits.qos0PerSecond,
        burst: limits.qos0Burst,
        bytesPerSecond: limits.qos0BytesPerSecond,
        bytesBurst: limits.qos0BytesBurst,
      },
      () => metrics.qos0Dropped.inc(),
    ),
    sessions,
    pace(
      acknowledgedPace({ bytesPerSecond: limits.bytesPerSecond, bytesBurst: limits.bytesBurst }, () =>
        metrics.acknowledgedDelayed.inc(),
      ),
      sessions,
      ingest,
    ),
  );
  const aedes = await Aedes.createBroker({
    id: 'medgate',
    maxClientsIdLength: 128,
    connectTimeout: limits.connectTimeoutSeconds * 1000,
    maxInflightInbound: limits.qos2Inflight,
    queueLimit: limits.packetsBeforeConnack,
    persistence: sessionStore.persistence,
    preConnect(_client, packet, callback) {
      const connect = packet as unknown as ConnectPacket;
      // A will is published by the broker on the device's behalf, after it is gone: never a reading.
      connect.will = undefined;
      const limit = config.keepaliveLimitSeconds;
      if (limit > 0 && (connect.keepalive === 0 || connect.keepalive > limit)) connect.keepalive = limit;
      callback(null, true);
    },
    authenticate: authenticator.authenticate,
    authorizePublish,
    authorizeSubscribe(client, subscription, callback) {
      const device = sessions.get(client);
      if (device && checkSubscribe(subscription.topic, device.id)) return callback(null, subscription);
      log(
        'warn',
        `refused subscription of ${escapeForLog(client.id)} to ${escapeForLog(subscription.topic)}`,
      );
      // null subscription: SUBACK carries 0x80 (failure) for this topic, the connection stays.
      callback(null, null);
    },
  });
  skipDelivery(aedes, (topic) => parseTelemetryTopic(topic) !== null);
  aedes.on('connackSent', (_connack, client) => admissions.get(client)?.answered());
  aedes.on('clientReady', (client) => {
    metrics.connectedDevices.inc();
    sessionStore.connected(client.id);
    const device = sessions.get(client);
    if (device && client.clean === false) {
      const dropped = sessionStore.keep(
        device.id,
        client.id,
        (id) => registeredClients(aedes)[id] !== undefined,
      );
      if (dropped > 0) metrics.sessionsExpired.inc(dropped);
    }
  });

  aedes.on('clientDisconnect', () => metrics.connectedDevices.dec());
  const sweeper = setInterval(
    () => void sessionStore.sweep(Date.now()),
    Math.min(limits.sessionExpirySeconds * 250, 60_000),
  );
  sweeper.unref();

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

  const open = new Set<Socket>();
  function sockets(): void {
    metrics.mqttSockets.set({ state: 'open' }, guard.open());
    metrics.mqttSockets.set({ state: 'pending' }, guard.pending());
  }

  /** The per-address rate and the socket caps, on the TCP socket as accepted (under TLS as well). */
  function admitSocket(socket: Socket): Admission | null {
    const address = socket.remoteAddress ?? 'unknown';
    if (!limiter.allowConnect(address, Date.now())) {
      metrics.connectionsRefused.inc({ reason: 'rate_limited' });
      socket.destroy();
      return null;
    }
    const admission = guard.admit(address, () => socket.destroy());
    if (typeof admission === 'string') {
      metrics.connectionsRefused.inc({ reason: admission });
      socket.destroy();
      return null;
    }
    open.add(socket);
    sockets();
    socket.once('close', () => {
      open.delete(socket);
      admission.closed();
      sockets();
    });
    return admission;
  }

  function acceptTcp(socket: Socket): void {
    const admission = admitSocket(socket);
    if (admission) accept(socket, admission);
  }

  /** TLS sockets were admitted as TCP sockets, before their handshake. */
  const tlsAdmissions = new Map<string, Admission>();
  const tcpKey = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;
  function acceptTls(socket: Socket): void {
    const key = tcpKey(socket);
    const admission = tlsAdmissions.get(key);
    tlsAdmissions.delete(key);
    if (!admission) return void socket.destroy();
    accept(socket, admission);
  }

  function accept(socket: Socket, admission: Admission): void {
    socket.setNoDelay(true);
    const client = aedes.handle(socket);
    admissions.set(client, admission);
    socket.once('close', () => {
      const device = sessions.get(client);
      if (device) deviceConnections.release(device.id, client);
      const current = client.id ? registeredClients(aedes)[client.id] : undefined;
      if (client.id && client.clean === false && (current === undefined || current === client)) {
        sessionStore.disconnected(client.id, true, Date.now());
      }
    });
    // Until the CONNACK, every packet (the CONNECT, and any sent ahead of the CONNACK, which aedes holds)
    // gets the CONNECT's bound: a stranger cannot make the broker buffer large packets before it knows who
    // is talking.
    const answered = client as Client & { connackSent?: boolean };
    limitPacketSize(
      packetParserOf(client),
      () => (answered.connackSent ? config.maxPacketBytes : limits.connectMaxBytes),
      (length, limit) => {
        const reason = answered.connackSent ? 'packet_too_large' : 'connect_too_large';
        metrics.connectionsRefused.inc({ reason });
        log(
          'warn',
          `closing ${escapeForLog(client.id || socket.remoteAddress)}: packet of ${length} bytes over ${limit}`,
        );
      },
    );
  }

  const servers: Server[] = [createServer(acceptTcp)];
  if (config.tls) {
    const tlsServer = createTlsServer(
      {
        cert: readFileSync(config.tls.certFile),
        key: readFileSync(config.tls.keyFile),
        // A TLS socket reaches the caps above once its handshake is done: until then, the same timeout.
        handshakeTimeout: limits.connectTimeoutSeconds * 1000,
      },
      acceptTls,
    );
    // Node reports a handshake that failed or timed out, and leaves the socket open: close it.
    tlsServer.on('tlsClientError', (_err, socket) => socket.destroy());
    tlsServer.on('connection', (socket: Socket) => {
      const admission = admitSocket(socket);
      if (!admission) return;
      const key = tcpKey(socket);
      tlsAdmissions.set(key, admission);
      socket.once('close', () => {
        if (tlsAdmissions.get(key) === admission) tlsAdmissions.delete(key);
      });
    });
    servers.push(tlsServer);
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
      clearInterval(sweeper);
      const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      // Sockets that never authenticated are not aedes' clients: close them too.
      for (const socket of open) socket.destroy();
      await Promise.all(closed);
    },
    disconnectDevice(deviceId) {
      authenticator.forget(deviceId);
      let n = 0;
      for (const [clientId, client] of Object.entries(registeredClients(aedes))) {
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
