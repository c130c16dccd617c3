export * from './mask.ts';
export * from './policy.ts';
