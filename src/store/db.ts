/**
 * One LevelDB, one sublevel per concern (docs/architecture.md: store). Every key is a string; values are JSON
 * unless they are plain markers. Parts receive the sublevels they use, never the whole database.
 */
import { Level } from 'level';
import type { Alarm } from '../alarms/alarm.ts';
import type { AlarmEventEntry, OutboxEntry } from '../alarms/store.ts';
import type { BlockLocation } from '../ipfs/batch-files.ts';
import type { FileRecord } from '../ipfs/files.ts';
import type { DeviceRecord, SignedMinuteRecord, StoredReading } from '../model/index.ts';
import type { AccessEntry } from './access-log.ts';
import type { ExportJobRecord } from './export-jobs.ts';
import type { QuarantineEntry } from './records.ts';
import type { TokenRecord } from './tokens.ts';
import type { WindowRecord } from './windows.ts';

/** A ledger block as stored: the JSON of src/ledger/block-json.ts. */
export interface LedgerBlockJson {
  readonly hash: string;
  readonly height: number;
  readonly header: string;
  readonly signature: string;
  readonly records: readonly SignedMinuteRecord[];
}

export interface LedgerRecordLocation {
  readonly blockHash: string;
  readonly height: number;
  readonly index: number;
}

export type Db = Level<string, string>;

export function openDb(location: string, options: { writeBufferMb?: number } = {}): Db {
  return new Level<string, string>(location, {
    keyEncoding: 'utf8',
    valueEncoding: 'utf8',
    ...(options.writeBufferMb === undefined ? {} : { writeBufferSize: options.writeBufferMb * 1_048_576 }),
  });
}

export function sublevels(db: Db) {
  const json = <V>(name: string) =>
    db.sublevel<string, V>(name, { keyEncoding: 'utf8', valueEncoding: 'json' });
  const text = (name: string) =>
    db.sublevel<string, string>(name, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  const bytes = (name: string) =>
    db.sublevel<string, Uint8Array>(name, { keyEncoding: 'utf8', valueEncoding: 'view' });
  return {
    readings: json<StoredReading>('readings'),
    /** `{deviceId}!{seq}` → reading id: the (deviceId, seq) uniqueness of docs/devices.md. */
    dedup: text('dedup'),
    /** `{patientId}!{ts}!{id}` → kind. */
    byPatient: text('by-patient'),
    /** `{flightId}!{ts}!{id}` → kind. */
    byFlight: text('by-flight'),
    /** `{receivedAt}!{firstId}` → '': one entry per commit, where readings received from then on start. */
    receipts: text('receipts'),
    quarantine: json<QuarantineEntry>('quarantine'),
    devices: json<DeviceRecord>('devices'),
    tokens: json<TokenRecord>('tokens'),
    access: json<AccessEntry>('access'),
    meta: text('meta'),
    /** Sealed windows by start time. */
    windows: json<WindowRecord>('windows'),
    /** `{firstReadingId}` → window start: which window holds a reading. */
    windowsByReading: text('windows-by-reading'),
    /** Window start → concatenated 32-byte leaf hashes, in leaf order (for inclusion proofs). */
    windowLeaves: bytes('window-leaves'),
    /** Window start → concatenated 16-byte salts, in leaf order. */
    windowSalts: bytes('window-salts'),
    /** IPFS blocks other than batches' in batch files (helia's LevelDB blockstore format). */
    blocks: bytes('blocks'),
    /** A sealed or replicated batch's block (its multihash, base32) → where it lies in its batch file. */
    batchBlocks: json<BlockLocation>('batch-blocks'),
    /** Ledger blocks by hash (blockToJson), main chain or not (docs/ledger.md). */
    ledgerBlocks: json<LedgerBlockJson>('ledger-blocks'),
    /** Main chain: height (10 digits) → block hash. */
    ledgerMain: text('ledger-main'),
    /** Record key (`gatewayId/minute`) → where the main chain holds it. */
    ledgerRecords: json<LedgerRecordLocation>('ledger-records'),
    /** Record key → signed minute record waiting to be mined. */
    ledgerPool: json<SignedMinuteRecord>('ledger-pool'),
    /** `tip` → main chain tip hash; `genesis` → the genesis hash the chain was built on. */
    ledgerMeta: text('ledger-meta'),
    /** Alarm id → the alarm as it stands (docs/alarms.md). */
    alarms: json<Alarm>('alarms'),
    /** Open alarm ids → '' (what the evaluator resumes with after a restart). */
    alarmsOpen: text('alarms-open'),
    /** `{openedAt}!{id}` → '': alarms by device time of opening. */
    alarmsByOpened: text('alarms-by-opened'),
    /** `{patientId}!{openedAt}!{id}` → ''. */
    alarmsByPatient: text('alarms-by-patient'),
    /** `{at}!{eventId}` → alarm event: sealed into windows like the access log. */
    alarmEvents: json<AlarmEventEntry>('alarm-events'),
    /** `{alarmId}!{eventId}` → the event's key in `alarmEvents`. */
    alarmEventsByAlarm: text('alarm-events-by-alarm'),
    /** `{webhook url hash}!{seq}` → a delivery waiting for its webhook, in order. */
    alarmOutbox: json<OutboxEntry>('alarm-outbox'),
    /** Bulk export job id → the job (FHIR `$export`, docs/fhir.md): they survive a restart. */
    fhirExports: json<ExportJobRecord>('fhir-exports'),
    /** File id → its CID, size, type, hash and patient (docs/ipfs.md, "Files"). */
    files: json<FileRecord>('files'),
  };
}

export type Sublevels = ReturnType<typeof sublevels>;
