/** The Prometheus registry: one per gateway (no module-level singleton), with the gateway's metrics. */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'medgate_process_' });
  const m = {
    registry,
    readingsIngested: new Counter({
      name: 'medgate_readings_ingested_total',
      help: 'Readings durably stored, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    readingsRejected: new Counter({
      name: 'medgate_readings_rejected_total',
      help: 'Readings or messages quarantined, by kind and reason',
      labelNames: ['kind', 'reason'] as const,
      registers: [registry],
    }),
    readingsDuplicate: new Counter({
      name: 'medgate_readings_duplicate_total',
      help: 'Readings acknowledged but not stored again: (deviceId, seq) already known',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    commitBatchReadings: new Histogram({
      name: 'medgate_commit_batch_readings',
      help: 'Readings per group commit',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
      registers: [registry],
    }),
    commitDuration: new Histogram({
      name: 'medgate_commit_duration_seconds',
      help: 'Time of one group commit, dedup lookup and fsync included',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    ackLatency: new Histogram({
      name: 'medgate_ack_latency_seconds',
      help: 'From PUBLISH received to the durable commit that releases its PUBACK',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    connectedDevices: new Gauge({
      name: 'medgate_connected_devices',
      help: 'MQTT connections of authenticated devices',
      registers: [registry],
    }),
    connectionsRefused: new Counter({
      name: 'medgate_mqtt_connections_refused_total',
      help: 'MQTT connections refused, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    mqttSockets: new Gauge({
      name: 'medgate_mqtt_sockets',
      help: 'Open MQTT sockets, and those of them still waiting for their CONNACK',
      labelNames: ['state'] as const,
      registers: [registry],
    }),
    mqttSocketCap: new Gauge({
      name: 'medgate_mqtt_socket_cap',
      help: 'Caps on MQTT sockets (in all, awaiting CONNACK), derived from the descriptor limit',
      labelNames: ['cap'] as const,
      registers: [registry],
    }),
    authHashes: new Counter({
      name: 'medgate_mqtt_auth_hashes_total',
      help: 'Slow password hashes run for MQTT logins, by outcome (ok, fail)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    qos0Dropped: new Counter({
      name: 'medgate_mqtt_qos0_dropped_total',
      help: 'QoS 0 messages dropped unread: the device was above its QoS 0 rate',
      registers: [registry],
    }),
    qos2Refused: new Counter({
      name: 'medgate_mqtt_qos2_refused_total',
      help: 'QoS 2 messages refused (connection closed): too many awaiting PUBREL for the client id',
      registers: [registry],
    }),
    sessionMessagesDropped: new Counter({
      name: 'medgate_mqtt_session_messages_dropped_total',
      help: 'Messages not queued for a persistent session: its queue was full',
      registers: [registry],
    }),
    sessionsExpired: new Counter({
      name: 'medgate_mqtt_sessions_expired_total',
      help: 'Persistent sessions dropped: expired, or the oldest idle one of a device over its session limit',
      registers: [registry],
    }),
    windowsSealed: new Counter({
      name: 'medgate_windows_sealed_total',
      help: 'Windows ("minutes") sealed into a batch and a signed record',
      registers: [registry],
    }),
    sealedLeaves: new Counter({
      name: 'medgate_sealed_leaves_total',
      help: 'Leaves (readings and access-log entries) sealed',
      registers: [registry],
    }),
    apiAccess: new Counter({
      name: 'medgate_api_patient_reads_total',
      help: 'Reads of patient data through the API (each one is in the access log)',
      labelNames: ['role'] as const,
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
