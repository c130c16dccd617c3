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
import { Aedes, type AuthorizePublishHandler, type Client } from 'aedes';
import type { GatewayConfig } from '../config/index.ts';
import { hashSecret } from '../crypto/secret-hash.ts';
import type { Metrics } from '../metrics.ts';
import type { ReceiptClock } from '../receipt-clock.ts';
import type { DeviceRecord, DeviceRegistry, IngestLog } from '../store/index.ts';
import { errorsTopic, parseTelemetryTopic } from '../telemetry/index.ts';
import { checkSubscribe } from './acl.ts';
import {
  type ConnectPacket,
  holdReading,
  packetParserOf,
  registeredClients,
  skipDelivery,
} from './aedes-adapter.ts';
import { createAuthenticator, remoteAddress } from './auth.ts';
import { type Admission, createConnectionGuard } from './connection-guard.ts';
import { createDeviceConnections } from './device-connections.ts';
import { type DescriptorLimit, deriveConnectionCaps, readDescriptorLimit } from './fd-limit.ts';
import { createHashSlots } from './hash-slots.ts';
import { createIngestHook, type ErrorReport } from './ingest.ts';
import { escapeForLog } from './log-escape.ts';
import { limitPacketSize } from './packet-limit.ts';
import { createRateLimiter, createTokenBuckets } from './rate-limit.ts';
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
  const qos0 = createTokenBuckets(limits.qos0PerSecond, limits.qos0Burst);
  const qos0Bytes = createTokenBuckets(limits.qos0BytesPerSecond, limits.qos0BytesBurst);
  const sessionStore = createSessionStore({
    maxQueued: limits.sessionQueueMessages,
    maxIncoming: limits.qos2Inflight,
    expiryMs: limits.sessionExpirySeconds * 1000,
    onQueueDropped: () => metrics.sessionMessagesDropped.inc(),
    onIncomingRefused: (id) => {
      metrics.qos2Refused.inc();
      log('warn', `closing ${escapeForLog(id)}: over ${limits.qos2Inflight} QoS 2 messages awaiting PUBREL`);
    },
    onExpired: (id) => {
      metrics.sessionsExpired.inc();
      const deviceId = id.split(':')[0] ?? id;
      persistentByDevice.get(deviceId)?.delete(id);
    },
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
  /** Connections whose reading is held while a dropped QoS 0 message waits (see below). */
  const held = new WeakSet<Client>();
  /** QoS 0 above the device's rate is dropped before its payload is read; the connection stays. */
  const authorizePublish: AuthorizePublishHandler = (client, packet, callback) => {
    const device = client ? sessions.get(client) : undefined;
    if (device && packet.qos === 0 && parseTelemetryTopic(packet.topic)?.deviceId === device.id) {
      const now = Date.now();
      const bytes = (packet.payload as Buffer).length;
      // A message over the byte burst can never pass: it is dropped like any other over the rate.
      if (!qos0.take(device.id, now) || !qos0Bytes.take(device.id, now, bytes)) {
        metrics.qos0Dropped.inc();
        // The drop is answered once the budget has refilled (at most 1 s), and the connection is not read
        // meanwhile: TCP pushes the flood back to the sender instead of the gateway reading it to drop it.
        const waitMs = Math.min(
          1000,
          Math.max(1000 / limits.qos0PerSecond, (bytes / limits.qos0BytesPerSecond) * 1000),
        );
        const resume = held.has(client!) ? null : holdReading(client!);
        if (resume) held.add(client!);
        setTimeout(() => {
          if (resume) {
            held.delete(client!);
            resume();
          }
          callback(null);
        }, waitMs).unref();
        return;
      }
    }
    ingest(client, packet, callback);
  };
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
    if (device && client.clean === false) keepSession(device.id, client.id);
  });

  /** Persistent sessions by device, oldest first: at most sessionsPerDevice, the oldest idle one goes. */
  const persistentByDevice = new Map<string, Set<string>>();
  function keepSession(deviceId: string, clientId: string): void {
    const ids = persistentByDevice.get(deviceId) ?? new Set<string>();
    ids.delete(clientId);
    ids.add(clientId);
    persistentByDevice.set(deviceId, ids);
    for (const id of ids) {
      if (ids.size <= limits.sessionsPerDevice) break;
      if (registeredClients(aedes)[id]) continue;
      ids.delete(id);
      metrics.sessionsExpired.inc();
      void sessionStore.drop(id);
    }
  }
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
