// The domain shapes live in src/model/; re-exported for the importers of the store.
export type {
  DeviceKind,
  DeviceRecord,
  MinuteRecord,
  SignedMinuteRecord,
  StoredReading,
} from '../model/index.ts';
export * from '../model/reading-codec.ts';
export * from './access-log.ts';
export * from './db.ts';
export * from './devices.ts';
export * from './export-jobs.ts';
export * from './ingest-log.ts';
export * from './keys.ts';
export * from './patients.ts';
export * from './permissions.ts';
export * from './readings.ts';
export * from './records.ts';
export * from './tokens.ts';
export * from './window-lookup.ts';
export * from './windows.ts';
