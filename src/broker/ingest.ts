/**
 * The ingest hook (docs/architecture.md, field notes): aedes sends the QoS 1 PUBACK right after
 * `authorizePublish` calls back, so that hook parses, validates and waits for the durable group commit
 * before calling back. Per-message work is synchronous; only the shared commit is awaited, so a burst
 * read from one socket lands in one batch. Invalid readings are quarantined and acknowledged (a QoS 1
 * poison message must not loop); only ACL violations call back with an error, which closes the
 * connection (MQTT 3.1.1 has no negative PUBACK).
 */
import type { AuthorizePublishHandler, Client } from 'aedes';
import { type ErrorCode, GatewayError } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import type { ReceiptClock } from '../receipt-clock.ts';
import type {
  DeviceRecord,
  DeviceRegistry,
  IngestLog,
  IngestMessage,
  IngestOutcome,
  Rejection,
} from '../store/index.ts';
import { type FieldError, type ParseOptions, parsePayload, type ReadingKind } from '../telemetry/index.ts';
import { checkPublish } from './acl.ts';
import { escapeForLog } from './log-escape.ts';

export interface IngestOptions {
  readonly maxPayloadBytes: number;
  readonly maxBatch: number;
  readonly maxFutureMs: number;
  readonly backfillMs: number;
  /** Nesting allowed in a payload (docs/limits.md); default 16. */
  readonly maxDepth?: number;
  /** Problems reported per reading; default 10. */
  readonly maxErrors?: number;
  /** Bytes of a rejected reading's text kept in quarantine; default 4096. */
  readonly quarantineRawBytes?: number;
}

export interface ErrorReport {
  /**
   * ERR_READING_INVALID for one reading, ERR_PAYLOAD_MALFORMED for the whole message, ERR_INTERNAL for a
   * message the gateway failed on (docs/errors.md).
   */
  readonly code: Extract<ErrorCode, 'ERR_PAYLOAD_MALFORMED' | 'ERR_READING_INVALID' | 'ERR_INTERNAL'>;
  readonly seq: number | null;
  readonly errors: readonly FieldError[];
}

export interface IngestComponents {
  readonly sessions: WeakMap<Client, DeviceRecord>;
  readonly registry: Pick<DeviceRegistry, 'get'>;
  readonly ingestLog: Pick<IngestLog, 'submit'>;
  readonly metrics: Metrics;
  readonly report: (deviceId: string, report: ErrorReport) => void;
  readonly log: (level: 'warn' | 'error', message: string) => void;
  readonly receiptClock: ReceiptClock;
}

const RAW_PREVIEW_BYTES = 4096;
const lossyUtf8 = new TextDecoder('utf-8');

type Callback = Parameters<AuthorizePublishHandler>[2];

const describe = (err: unknown) => (err instanceof Error ? (err.stack ?? err.message) : String(err));

export function createIngestHook(
  options: IngestOptions,
  components: IngestComponents,
): AuthorizePublishHandler {
  const { sessions, registry, ingestLog, metrics } = components;
  const { receiptClock } = components;

  // Nothing thrown while handling one packet may reach aedes (and the process): what escapes the handler
  // closes that client's connection only, counted and logged (docs/limits.md).
  return function authorizePublish(client, packet, callback) {
    let answered = false;
    const answer: typeof callback = (err) => {
      if (answered) return;
      answered = true;
      callback(err);
    };
    try {
      handle(client, packet, answer);
    } catch (err) {
      metrics.ingestInternalErrors.inc({ outcome: 'closed' });
      components.log('error', `closing ${client ? escapeForLog(client.id) : '(will)'}: ${describe(err)}`);
      answer(new GatewayError('ERR_INGEST_FAILED', undefined, { cause: err }));
    }
  };

  function handle(client: Client | null, packet: Parameters<AuthorizePublishHandler>[1], callback: Callback) {
    // Wills are dropped at CONNECT (server.ts); one without a client is refused all the same.
    if (!client) return callback(new GatewayError('ERR_TOPIC_FORBIDDEN', 'will messages are not accepted'));
    const session = sessions.get(client);
    const device = session ? registry.get(session.id) : undefined;
    if (!device || device.revokedAt !== null) {
      return callback(new GatewayError('ERR_NOT_AUTHORIZED', 'device is not (or no longer) authorized'));
    }
    const decision = checkPublish(packet.topic, device);
    if (!decision.ok) {
      components.log('warn', `closing ${escapeForLog(client.id)}: ${escapeForLog(decision.reason)}`);
      return callback(new GatewayError('ERR_TOPIC_FORBIDDEN', decision.reason));
    }
    // Telemetry is never retained: aedes would otherwise keep the last reading of every topic in memory.
    packet.retain = false;
    const started = performance.now();
    const payload = packet.payload as Buffer;
    const receivedAt = receiptClock.now();
    let message: IngestMessage;
    try {
      message = toIngestMessage(device, decision.kind, payload, receivedAt, options);
    } catch (err) {
      // A payload the gateway failed on is still acknowledged: quarantined as 'internal', never retried.
      metrics.ingestInternalErrors.inc({ outcome: 'quarantined' });
      components.log('error', `ingest of a message from ${escapeForLog(client.id)} failed: ${describe(err)}`);
      message = {
        deviceId: device.id,
        kind: decision.kind,
        receivedAt,
        valid: [],
        rejected: [
          wholeMessage(payload, 'internal', {
            path: '',
            message: 'the gateway could not process this message',
          }),
        ],
      };
    }
    const pending = ingestLog.submit(message);
    if (packet.qos === 0) callback(null);
    pending
      .then(
        (outcome) => {
          if (packet.qos !== 0) callback(null);
          metrics.ackLatency.observe((performance.now() - started) / 1000);
          account(decision.kind, message, outcome);
        },
        (err: Error) => {
          components.log('error', `commit failed for ${escapeForLog(client.id)}: ${err.message}`);
          if (packet.qos !== 0) callback(err);
        },
      )
      .catch((err: unknown) => {
        metrics.ingestInternalErrors.inc({ outcome: 'logged' });
        components.log(
          'error',
          `after the commit of a message from ${escapeForLog(client.id)}: ${describe(err)}`,
        );
      });
  }

  function account(kind: ReadingKind, message: IngestMessage, outcome: IngestOutcome): void {
    if (outcome.stored.length > 0) metrics.readingsIngested.inc({ kind }, outcome.stored.length);
    if (outcome.duplicates > 0) metrics.readingsDuplicate.inc({ kind }, outcome.duplicates);
    for (const rejection of message.rejected) {
      metrics.readingsRejected.inc({ kind, reason: rejection.reason });
      const code =
        rejection.reason === 'internal'
          ? 'ERR_INTERNAL'
          : rejection.index === null
            ? 'ERR_PAYLOAD_MALFORMED'
            : 'ERR_READING_INVALID';
      components.report(message.deviceId, { code, seq: rejection.seq, errors: rejection.errors });
    }
  }
}

export function toIngestMessage(
  device: DeviceRecord,
  kind: ReadingKind,
  payload: Uint8Array,
  receivedAt: number,
  options: IngestOptions,
): IngestMessage {
  const base = { deviceId: device.id, kind, receivedAt };
  if (payload.length > options.maxPayloadBytes) {
    return {
      ...base,
      valid: [],
      rejected: [
        wholeMessage(payload, 'too_large', {
          path: '',
          message: `payload of ${payload.length} bytes exceeds the limit of ${options.maxPayloadBytes}`,
        }),
      ],
    };
  }
  const parseOptions: ParseOptions = {
    now: receivedAt,
    maxFutureMs: options.maxFutureMs,
    backfillMs: options.backfillMs,
    maxBatch: options.maxBatch,
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
    ...(options.maxErrors === undefined ? {} : { maxErrors: options.maxErrors }),
    maxRawChars: options.quarantineRawBytes ?? RAW_PREVIEW_BYTES,
  };
  const parsed = parsePayload(kind, payload, parseOptions);
  if (parsed.malformed)
    return { ...base, valid: [], rejected: [wholeMessage(payload, 'malformed', parsed.malformed)] };
  const rejected: Rejection[] = parsed.invalid.map((r) => ({
    reason: r.reason,
    seq: r.seq,
    index: r.index,
    errors: r.errors,
    raw: r.raw,
    sizeBytes: payload.length,
  }));
  let valid = parsed.valid;
  // A wearable registered to a patient reports that patient only; one bound to none, only if shared.
  if (kind === 'vitals' && (device.patientId !== null || device.shared !== true)) {
    const own = device.patientId;
    valid = [];
    for (const reading of parsed.valid) {
      const patientId = (reading.data as { patientId: string }).patientId;
      if (patientId === own) {
        valid.push(reading);
        continue;
      }
      const unbound = device.patientId === null;
      const message = unbound
        ? `device ${device.id} is bound to no patient and not shared: the admin provisions it with a patientId, or shared: true`
        : `device ${device.id} is registered to another patient`;
      rejected.push({
        reason: unbound ? 'unbound_device' : 'patient_mismatch',
        seq: reading.seq,
        index: reading.index,
        errors: [{ path: 'patientId', message }],
        raw: JSON.stringify(reading.data).slice(0, options.quarantineRawBytes ?? RAW_PREVIEW_BYTES),
        sizeBytes: payload.length,
      });
    }
  }
  return { ...base, valid, rejected };
}

function wholeMessage(payload: Uint8Array, reason: string, error: FieldError): Rejection {
  return {
    reason,
    seq: null,
    index: null,
    errors: [error],
    raw: lossyUtf8.decode(payload.subarray(0, RAW_PREVIEW_BYTES)),
    sizeBytes: payload.length,
  };
}
