export * from './access-log.ts';
export * from './db.ts';
export * from './devices.ts';
export * from './ingest-log.ts';
export * from './keys.ts';
export * from './readings.ts';
export * from './records.ts';
export * from './tokens.ts';
