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
    apiPagesCut: new Counter({
      name: 'medgate_api_pages_cut_total',
      help: 'Pages of readings stopped early by http.maxPageBytes (the cursor continues)',
      registers: [registry],
    }),
    apiAccess: new Counter({
      name: 'medgate_api_patient_reads_total',
      help: 'Reads of patient data through the API (each one is in the access log)',
      labelNames: ['role'] as const,
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
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
