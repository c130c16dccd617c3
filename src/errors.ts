import { LEDGER_ERRORS } from './ledger/errors.ts';

/**
 * Every error the gateway reports, with a stable code, its HTTP status and what it means on MQTT.
 * One registry, walked by a test, so that codes never drift between the broker, the API and the docs.
 */

/** How an error surfaces to an MQTT client (SPEC §1). */
export type MqttOutcome =
  | 'connack-3' // server unavailable: try again later
  | 'connack-4' // bad user name or password
  | 'connack-5' // not authorized
  | 'close' // MQTT 3.1.1 has no negative PUBACK: an ACL violation closes the connection
  | 'ack-and-report' // acknowledged, quarantined, explained on tele/{id}/errors
  | 'drop' // QoS 0: silently not processed (counted); the connection stays
  | 'socket-close' // the socket is closed before any CONNACK
  | 'none';

export interface ErrorSpec {
  readonly status: number;
  readonly mqtt: MqttOutcome;
  readonly message: string;
}

function ledger<C extends keyof typeof LEDGER_ERRORS, S extends 400 | 409 | 429>(code: C, status: S) {
  return { status, mqtt: 'none', message: LEDGER_ERRORS[code] } as const;
}

export const ERRORS = {
  ERR_CONFIG_INVALID: { status: 500, mqtt: 'none', message: 'Configuration is invalid' },
  // The start is refused: the data dir or a key file is open to other users (docs/limits.md).
  ERR_INSECURE_PERMISSIONS: {
    status: 500,
    mqtt: 'none',
    message: 'Data dir or key file is readable by other users',
  },
  ERR_BAD_CREDENTIALS: { status: 401, mqtt: 'connack-4', message: 'Bad user name or password' },
  ERR_NOT_AUTHORIZED: { status: 403, mqtt: 'connack-5', message: 'Not authorized' },
  ERR_CLIENT_ID: {
    status: 400,
    mqtt: 'connack-5',
    message: 'Client id must be the device id or start with "{deviceId}:"',
  },
  ERR_RATE_LIMITED: { status: 429, mqtt: 'connack-5', message: 'Too many connection attempts' },
  ERR_LOCKED_OUT: {
    status: 429,
    mqtt: 'connack-5',
    message: 'Too many failed logins for this device or address; only the right secret is accepted',
  },
  ERR_TOO_MANY_CONNECTIONS: {
    status: 429,
    mqtt: 'connack-5',
    message: 'The device already has its maximum number of connections',
  },
  ERR_AUTH_BUSY: { status: 503, mqtt: 'connack-3', message: 'Too many logins being checked; try again' },
  ERR_CONNECTION_LIMIT: {
    status: 503,
    mqtt: 'socket-close',
    message: 'Too many sockets (in all, or awaiting CONNACK in all or from this address)',
  },
  ERR_CONNECT_TOO_LARGE: { status: 413, mqtt: 'socket-close', message: 'CONNECT packet exceeds the limit' },
  ERR_QOS_ZERO_RATE_LIMITED: {
    status: 429,
    mqtt: 'drop',
    message: 'QoS 0 messages above the per-device rate',
  },
  ERR_QOS_TWO_INFLIGHT: {
    status: 429,
    mqtt: 'close',
    message: 'Too many QoS 2 messages awaiting PUBREL for this client id',
  },
  ERR_TOPIC_FORBIDDEN: { status: 403, mqtt: 'close', message: 'Topic not allowed for this device' },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, mqtt: 'close', message: 'Payload exceeds the size limit' },
  ERR_READING_INVALID: { status: 400, mqtt: 'ack-and-report', message: 'Reading failed validation' },
  ERR_PAYLOAD_MALFORMED: { status: 400, mqtt: 'ack-and-report', message: 'Payload is not UTF-8 JSON' },
  // An unexpected failure while handling one PUBLISH: only that client's connection closes (docs/limits.md).
  ERR_INGEST_FAILED: { status: 500, mqtt: 'close', message: 'The message could not be handled' },
  ERR_UNAUTHENTICATED: { status: 401, mqtt: 'none', message: 'Missing or invalid bearer token' },
  ERR_AUTH_RATE_LIMITED: {
    status: 429,
    mqtt: 'none',
    message: 'Too many failed authentications from this address',
  },
  ERR_FORBIDDEN: { status: 403, mqtt: 'none', message: 'Not allowed for this role' },
  ERR_BAD_REQUEST: { status: 400, mqtt: 'none', message: 'Invalid request' },
  ERR_BAD_CURSOR: { status: 400, mqtt: 'none', message: 'Invalid pagination cursor' },
  ERR_NOT_FOUND: { status: 404, mqtt: 'none', message: 'Not found' },
  ERR_EXPORT_DISK: {
    status: 507,
    mqtt: 'none',
    message: 'Not enough free disk for a bulk export (fhir.export.minFreeBytes)',
  },
  ERR_EXPORT_LIMIT: {
    status: 429,
    mqtt: 'none',
    message: 'Too many bulk export jobs (fhir.export.maxJobs, fhir.export.maxJobsPerToken)',
  },
  ERR_CONFLICT: { status: 409, mqtt: 'none', message: 'Already exists' },
  // docs/devices.md: a bulk provisioning request is bounded (http.devices.maxPerRequest).
  ERR_TOO_MANY_DEVICES: {
    status: 413,
    mqtt: 'none',
    message: 'Too many devices in one request (http.devices.maxPerRequest)',
  },
  // docs/alarms.md: an alarm is acknowledged once; the answer names when and by whom.
  ERR_ALARM_ACKNOWLEDGED: { status: 409, mqtt: 'none', message: 'Alarm already acknowledged' },
  ERR_TOO_MANY_STREAMS: {
    status: 503,
    mqtt: 'none',
    message: 'Too many live event streams are open; retry later',
  },
  ERR_SHUTTING_DOWN: { status: 503, mqtt: 'close', message: 'Gateway is shutting down' },
  ERR_STORE: { status: 500, mqtt: 'close', message: 'Storage failure' },
  ERR_INTERNAL: { status: 500, mqtt: 'none', message: 'Internal error' },
  // Ledger refusals (SPEC §4, docs/ledger.md): a block or record that breaks a rule is the sender's error
  // (400); a block whose parent is not known yet is a conflict the receiver resolves by pulling (409).
  ERR_BLOCK_MALFORMED: ledger('ERR_BLOCK_MALFORMED', 400),
  ERR_BLOCK_UNKNOWN_PARENT: ledger('ERR_BLOCK_UNKNOWN_PARENT', 409),
  ERR_BLOCK_BAD_LINK: ledger('ERR_BLOCK_BAD_LINK', 400),
  ERR_BLOCK_BAD_HEIGHT: ledger('ERR_BLOCK_BAD_HEIGHT', 400),
  ERR_BLOCK_BAD_TARGET: ledger('ERR_BLOCK_BAD_TARGET', 400),
  ERR_BLOCK_BAD_POW: ledger('ERR_BLOCK_BAD_POW', 400),
  ERR_BLOCK_TIME_TOO_OLD: ledger('ERR_BLOCK_TIME_TOO_OLD', 400),
  ERR_BLOCK_TIME_TOO_FAR: ledger('ERR_BLOCK_TIME_TOO_FAR', 400),
  ERR_BLOCK_NOT_MEMBER: ledger('ERR_BLOCK_NOT_MEMBER', 400),
  ERR_BLOCK_BAD_SIGNATURE: ledger('ERR_BLOCK_BAD_SIGNATURE', 400),
  ERR_BLOCK_BAD_RECORD: ledger('ERR_BLOCK_BAD_RECORD', 400),
  ERR_BLOCK_DUPLICATE_RECORD: ledger('ERR_BLOCK_DUPLICATE_RECORD', 400),
  ERR_BLOCK_BAD_ANCHOR: ledger('ERR_BLOCK_BAD_ANCHOR', 400),
  ERR_BLOCK_RECORD_TIME: ledger('ERR_BLOCK_RECORD_TIME', 400),
  // A chain that conflicts with what a majority of members attested: refused whatever its work (409).
  ERR_BLOCK_CONFLICTS_FINAL: ledger('ERR_BLOCK_CONFLICTS_FINAL', 409),
  ERR_BLOCK_RETIRED_MEMBER: ledger('ERR_BLOCK_RETIRED_MEMBER', 400),
  ERR_RECORD_TIME: ledger('ERR_RECORD_TIME', 400),
  ERR_RECORD_ANCHORED: ledger('ERR_RECORD_ANCHORED', 409),
  ERR_RECORD_PENDING: ledger('ERR_RECORD_PENDING', 409),
  ERR_RECORD_RETIRED_MEMBER: ledger('ERR_RECORD_RETIRED_MEMBER', 400),
  // The sending member's share of the pool is full: its newest records wait until blocks take the oldest.
  ERR_POOL_FULL: ledger('ERR_POOL_FULL', 429),
  ERR_ATTESTATION_INVALID: ledger('ERR_ATTESTATION_INVALID', 400),
  ERR_ATTESTATION_CONFLICTS_FINAL: ledger('ERR_ATTESTATION_CONFLICTS_FINAL', 409),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; details?: unknown }) {
    super(
      message ?? ERRORS[code].message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'GatewayError';
    this.code = code;
    this.statusCode = ERRORS[code].status;
    this.details = options?.details;
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}
