/**
 * Every error the gateway reports, with a stable code, its HTTP status and what it means on MQTT.
 * One registry, walked by a test against docs/errors.md, so that codes never drift between the broker, the
 * API, the ledger and the docs.
 */

/** How an error surfaces to an MQTT client (docs/errors.md). */
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
  // New connections from one address above its rate: the socket is closed before CONNECT is read.
  ERR_RATE_LIMITED: { status: 429, mqtt: 'socket-close', message: 'Too many connection attempts' },
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
  // docs/ipfs.md, "Files": uploads are bounded in size (ipfs.files.maxBytes) and in number at once.
  ERR_FILE_TOO_LARGE: { status: 413, mqtt: 'none', message: 'File exceeds ipfs.files.maxBytes' },
  ERR_TOO_MANY_UPLOADS: {
    status: 429,
    mqtt: 'none',
    message: 'Too many file uploads at once (ipfs.files.maxUploads)',
  },
  ERR_RANGE_NOT_SATISFIABLE: { status: 416, mqtt: 'none', message: 'Range not satisfiable' },
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
  ERR_STORE: { status: 500, mqtt: 'close', message: 'Storage failure' },
  // On MQTT, a message the gateway failed on is acknowledged, quarantined and reported with this code.
  ERR_INTERNAL: { status: 500, mqtt: 'ack-and-report', message: 'Internal error' },
  // Ledger refusals (docs/ledger.md): a block or record that breaks a rule is the sender's error
  // (400); a block whose parent is not known yet is a conflict the receiver resolves by pulling (409).
  ERR_BLOCK_MALFORMED: { status: 400, mqtt: 'none', message: 'Block or header is malformed' },
  ERR_BLOCK_UNKNOWN_PARENT: { status: 409, mqtt: 'none', message: 'Block extends an unknown parent' },
  ERR_BLOCK_BAD_LINK: { status: 400, mqtt: 'none', message: 'Previous hash does not match the parent' },
  ERR_BLOCK_BAD_HEIGHT: { status: 400, mqtt: 'none', message: 'Height is not the parent height + 1' },
  ERR_BLOCK_BAD_TARGET: { status: 400, mqtt: 'none', message: 'Target does not follow the retarget rule' },
  ERR_BLOCK_BAD_POW: { status: 400, mqtt: 'none', message: 'Block hash exceeds its target' },
  ERR_BLOCK_TIME_TOO_OLD: {
    status: 400,
    mqtt: 'none',
    message: 'Timestamp is not after the median time past',
  },
  ERR_BLOCK_TIME_TOO_FAR: { status: 400, mqtt: 'none', message: 'Timestamp is too far in the future' },
  ERR_BLOCK_NOT_MEMBER: { status: 400, mqtt: 'none', message: 'Miner is not a consortium member' },
  ERR_BLOCK_BAD_SIGNATURE: {
    status: 400,
    mqtt: 'none',
    message: 'Miner signature over the block hash is invalid',
  },
  ERR_BLOCK_BAD_RECORD: {
    status: 400,
    mqtt: 'none',
    message: 'A record is malformed or not signed by its member gateway',
  },
  ERR_BLOCK_DUPLICATE_RECORD: {
    status: 400,
    mqtt: 'none',
    message: 'A record is already in the block or the chain',
  },
  ERR_BLOCK_BAD_ANCHOR: { status: 400, mqtt: 'none', message: 'Anchor root does not match the records' },
  ERR_BLOCK_RECORD_TIME: {
    status: 400,
    mqtt: 'none',
    message: "A record's minute is before the genesis or too far ahead of the block",
  },
  // A chain that conflicts with what a majority of members attested: refused whatever its work (409).
  ERR_BLOCK_CONFLICTS_FINAL: {
    status: 409,
    mqtt: 'none',
    message: 'Block conflicts with the latest final block',
  },
  ERR_BLOCK_RETIRED_MEMBER: {
    status: 400,
    mqtt: 'none',
    message: 'Miner was retired from the consortium below this height',
  },
  ERR_RECORD_TIME: {
    status: 400,
    mqtt: 'none',
    message: "Record's minute is before the genesis or too far ahead of the receiver's clock",
  },
  ERR_RECORD_ANCHORED: {
    status: 409,
    mqtt: 'none',
    message: 'Another record for this gateway and minute is already anchored',
  },
  ERR_RECORD_PENDING: {
    status: 409,
    mqtt: 'none',
    message: 'Another record for this gateway and minute is already pending',
  },
  ERR_RECORD_RETIRED_MEMBER: {
    status: 400,
    mqtt: 'none',
    message: 'Record of a member retired from the consortium',
  },
  // The sending member's share of the pool is full: its newest records wait until blocks take the oldest.
  ERR_POOL_FULL: {
    status: 429,
    mqtt: 'none',
    message: 'The pool holds as many pending records of this member as it may',
  },
  ERR_ATTESTATION_INVALID: {
    status: 400,
    mqtt: 'none',
    message: 'Attestation is malformed, not by an active member, or its signature is invalid',
  },
  ERR_ATTESTATION_CONFLICTS_FINAL: {
    status: 409,
    mqtt: 'none',
    message: 'Attestation of a block that conflicts with the latest final block',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * The CONNACK return code (MQTT 3.1.1 §3.2.2.3) of an error that refuses a CONNECT, from its `mqtt` column;
 * a RangeError for a code that does not refuse a CONNECT.
 */
export function connackReturnCode(code: ErrorCode): 3 | 4 | 5 {
  const outcome: MqttOutcome = ERRORS[code].mqtt;
  if (outcome === 'connack-3') return 3;
  if (outcome === 'connack-4') return 4;
  if (outcome === 'connack-5') return 5;
  throw new RangeError(`${code} does not refuse a CONNECT (its MQTT outcome is ${outcome})`);
}

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
