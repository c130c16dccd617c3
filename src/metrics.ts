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
    ingestInternalErrors: new Counter({
      name: 'medgate_ingest_internal_errors_total',
      help: 'Unexpected errors while handling one message: quarantined as internal, connection closed, or logged',
      labelNames: ['outcome'] as const,
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
    acknowledgedDelayed: new Counter({
      name: 'medgate_mqtt_acknowledged_delayed_total',
      help: 'QoS 1/2 messages held back (not dropped): the device was above its byte budget (mqtt.limits.bytesPerSecond)',
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
    apiAuthFailures: new Counter({
      name: 'medgate_api_auth_failures_total',
      help: 'API requests without a valid token: unauthorized (401) or rate_limited (429, http.failedAuth)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    devicesProvisioned: new Counter({
      name: 'medgate_devices_provisioned_total',
      help: 'Devices provisioned through POST /v1/devices, one at a time or in bulk',
      registers: [registry],
    }),
    devicesRefused: new Counter({
      name: 'medgate_devices_provision_refused_total',
      help: 'POST /v1/devices requests refused whole, by reason (too_many, invalid, conflict)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    apiPagesCut: new Counter({
      name: 'medgate_api_pages_cut_total',
      help: 'Pages of readings stopped early by http.maxPageBytes (the cursor continues)',
      registers: [registry],
    }),
    readingsUnsealable: new Counter({
      name: 'medgate_readings_unsealable_total',
      help: 'Stored readings that could not become leaves, left out of their window and moved to quarantine',
      registers: [registry],
    }),
    sealFailures: new Counter({
      name: 'medgate_seal_failures_total',
      help: 'Sealing runs that failed; the window is sealed again on the next run',
      registers: [registry],
    }),
    ledgerRefused: new Counter({
      name: 'medgate_ledger_refused_total',
      help: 'Records, blocks and attestations from peers refused by the ledger, by kind and code',
      labelNames: ['kind', 'code'] as const,
      registers: [registry],
    }),
    ledgerRecordSignatureChecks: new Counter({
      name: 'medgate_ledger_record_signature_checks_total',
      help: 'Ed25519 checks of records offered to the pool (known records and copies cost none)',
      registers: [registry],
    }),
    ledgerFinalHeight: new Gauge({
      name: 'medgate_ledger_final_height',
      help: 'Height of the latest block attested by more than half of the members',
      registers: [registry],
    }),
    apiAccess: new Counter({
      name: 'medgate_api_patient_reads_total',
      help: 'Reads of patient data through the API (each one is in the access log)',
      labelNames: ['role'] as const,
      registers: [registry],
    }),
    alarmEvents: new Counter({
      name: 'medgate_alarm_events_total',
      help: 'Alarm events (opened, escalated, acknowledged, closed), by event and level',
      labelNames: ['event', 'level'] as const,
      registers: [registry],
    }),
    alarmsOpen: new Gauge({
      name: 'medgate_alarms_open',
      help: 'Alarms open now',
      registers: [registry],
    }),
    alarmReadingsUnevaluated: new Counter({
      name: 'medgate_alarm_readings_unevaluated_total',
      help: 'Committed readings not evaluated for alarms: backlog (alarms.maxPendingReadings) or subjects (alarms.maxSubjects)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'medgate_webhook_deliveries_total',
      help: 'Webhook delivery attempts: delivered (2xx) or failed (retried)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    webhookOutbox: new Gauge({
      name: 'medgate_webhook_outbox_entries',
      help: 'Webhook deliveries waiting in the outbox, all webhooks together',
      registers: [registry],
    }),
    webhookDropped: new Counter({
      name: 'medgate_webhook_outbox_dropped_total',
      help: 'Webhook deliveries dropped, oldest first, past alarms.outboxMaxEntries',
      registers: [registry],
    }),
    fhirExportsRefused: new Counter({
      name: 'medgate_fhir_exports_refused_total',
      help: 'Bulk export kick-offs refused: jobs (429, fhir.export.maxJobs), per_token (429, fhir.export.maxJobsPerToken) or disk (507, fhir.export.minFreeBytes)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    fhirExportJobs: new Counter({
      name: 'medgate_fhir_export_jobs_total',
      help: 'Bulk export jobs ended, by outcome: complete, failed (fhir.export.maxJobBytes or an error), cancelled, expired',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    fhirExportBytes: new Counter({
      name: 'medgate_fhir_export_bytes_total',
      help: 'Bytes of NDJSON written by bulk export jobs',
      registers: [registry],
    }),
    eventStreams: new Gauge({
      name: 'medgate_event_streams',
      help: 'Live event streams (GET /v1/events) open',
      registers: [registry],
    }),
    eventStreamsRefused: new Counter({
      name: 'medgate_event_streams_refused_total',
      help: 'Live event streams refused (limit: http.events.maxClients, token_limit: http.events.maxPerToken) or closed (slow: http.events.maxBufferBytes)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    ipfsReplicatedBatches: new Counter({
      name: 'medgate_ipfs_replication_batches_total',
      help: 'Anchored batches replicated, by outcome: held, failed (retried later), refused (over ipfs.replication.maxBatchBlocks or maxBatchBytes, or not a sha2-256 dag-cbor/dag-pb/raw DAG)',
      labelNames: ['outcome', 'reason'] as const,
      registers: [registry],
    }),
    ipfsReplicatedBlocks: new Counter({
      name: 'medgate_ipfs_replication_blocks_total',
      help: 'Blocks of whole anchored batches checked or fetched by replication',
      registers: [registry],
    }),
    ipfsReplicatedBytes: new Counter({
      name: 'medgate_ipfs_replication_bytes_total',
      help: 'Bytes of whole anchored batches checked or fetched by replication',
      registers: [registry],
    }),
    ipfsMissingBatches: new Gauge({
      name: 'medgate_ipfs_missing_batches',
      help: 'Batches named by the shared chain that this gateway does not hold whole',
      registers: [registry],
    }),
    filesStored: new Counter({
      name: 'medgate_files_stored_total',
      help: 'Files stored by POST /v1/files',
      registers: [registry],
    }),
    filesRefused: new Counter({
      name: 'medgate_files_refused_total',
      help: 'File uploads refused: too_large (413, ipfs.files.maxBytes) or busy (429, ipfs.files.maxUploads)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
