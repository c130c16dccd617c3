export * from './format.ts';
export * from './verify.ts';
