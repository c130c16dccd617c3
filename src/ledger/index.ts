/** The ledger: its pure rules (./rules/) and the parts of the node other folders use (./node/). */

export { type MineOptions, type MineProgress, mine } from './node/pow.ts';
export { midstateHash, type PowJob, preparePowJob, searchNonces } from './node/pow-search.ts';
export * from './rules/index.ts';
