export * from './parse.ts';
export * from './schemas.ts';
export * from './topics.ts';
