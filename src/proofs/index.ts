export * from '../model/proofs.ts';
export * from './anchor.ts';
export * from './assemble.ts';
export * from './verify.ts';
export * from './verify-finality.ts';
