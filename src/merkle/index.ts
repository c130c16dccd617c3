export { HASH_SIZE } from '../bytes.ts';
export type { ProgressCallback } from './build.ts';
export {
  consistencyProof,
  consistencyProofFromLeafHashes,
  inclusionProof,
  inclusionProofFromLeafHashes,
  merkleRoot,
  rootFromLeafHashes,
} from './generate.ts';
export { emptyRoot, leafHash, nodeHash } from './hashes.ts';
export { sha256, sha256Noble } from './sha256.ts';
export {
  type AsyncBuildOptions,
  type BuildOptions,
  buildTree,
  buildTreeFromHashBuffer,
  buildTreeFromLeaves,
  buildTreeFromLeavesAsync,
  MerkleTree,
} from './tree.ts';
export { rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify.ts';
