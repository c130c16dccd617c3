export * from './anchor.ts';
export * from './assemble.ts';
export * from './format.ts';
export * from './verify.ts';
export * from './verify-finality.ts';
