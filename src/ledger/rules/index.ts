/** The ledger's pure rules: values in, values out; no disk, network, clock or threads (docs/architecture.md). */

export { isLedgerError, LEDGER_ERRORS, LedgerError, type LedgerErrorCode } from '../errors.ts';
export { recordKey, recordLeaf, recordTimeProblem, verifyRecord } from '../record.ts';
export {
  ATTESTATION_SIZE,
  ATTESTATION_TAG,
  type Attestation,
  attestationBytes,
  attestationSchema,
  checkAttestation,
  signAttestation,
  type Tally,
  tallyAttestations,
} from './attestation.ts';
export {
  anchorRoot,
  type Block,
  createBlockTemplate,
  minerIdOf,
  type RecordInclusion,
  recordInclusion,
  sealBlock,
  type TemplateInput,
} from './block.ts';
export { type BlockJson, blockFromJson, blockToJson } from './block-json.ts';
export { bytesToU256, fromHex, MAX_U256, toHex, u256ToBytes } from './bytes.ts';
export {
  activeAt,
  activeMembers,
  type Consortium,
  type ConsortiumFile,
  consortiumFileSchema,
  genesisHeader,
  isMember,
  type Member,
  memberByMinerId,
  parseConsortium,
  quorumAt,
  trustedRecordKeys,
} from './consortium.ts';
export { ancestorsNeeded, medianTimePast, nextTarget } from './difficulty.ts';
export {
  type ChainEntry,
  createHeaderTree,
  type HeaderTree,
  type Reorg,
  returnedRecords,
} from './fork-choice.ts';
export {
  type BlockHeader,
  blockHash,
  decodeHeader,
  encodeHeader,
  HEADER_SIZE,
  hashHeaderBytes,
  hashMeetsTarget,
  LEDGER_VERSION,
  MAX_NONCE,
  OFFSET as HEADER_OFFSET,
} from './header.ts';
export { DEFAULT_LEDGER_PARAMS, type LedgerParams, ledgerParams } from './params.ts';
export {
  type BlockContext,
  type ChainPrefix,
  type ChainSummary,
  type HeaderContext,
  validateBlock,
  validateChain,
  validateChainPrefix,
  validateHeader,
} from './validate.ts';
export { chainWork, workOf } from './work.ts';
