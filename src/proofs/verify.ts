/**
 * Verifying a reading proof offline (pure): each check says what it computed and what it expected, and
 * the proof is valid only if every check passes. Shared by `POST /v1/proofs/verify` and `gateway verify`.
 */

import { leafData, SALT_BYTES } from '../batches/leaves.ts';
import { verifyRecord } from '../ledger/record.ts';
import type { Consortium } from '../ledger/rules/index.ts';
import { leafHash, verifyInclusion } from '../merkle/index.ts';
import { canonicalBytes } from '../model/canonical.ts';
import {
  type ChainView,
  type ProofCheck,
  type ProofVerdict,
  type ReadingProof,
  readingProofSchema,
} from '../model/proofs.ts';
import { jsonProblems } from '../telemetry/json-limits.ts';
import { verifyAnchor } from './verify-anchor.ts';
import { verifyFinality } from './verify-finality.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

export interface VerifyOptions {
  /** Gateway public keys (hex) trusted for each gateway id; when given, the proof's key must be one. */
  readonly trustedKeys?: ReadonlyMap<string, readonly string[]>;
  /** The consortium whose members may mine (and sign records); the anchor's miner must be one. */
  readonly consortium?: Consortium;
  /** A view of a ledger's main chain: the `chain` check finds the anchor's block on it. */
  readonly chain?: ChainView;
}

export type { ChainView };

/**
 * Nesting allowed in a proof: the proof (1), its reading (2), the reading's data (3) and the 16 levels a
 * reading may have, with room to spare.
 */
const PROOF_MAX_DEPTH = 32;

export function verifyReadingProof(input: unknown, options: VerifyOptions = {}): ProofVerdict {
  // What RFC 8785 cannot canonicalize (or a recursive walk cannot take) fails here, as a check.
  const problems = jsonProblems(input, { maxDepth: PROOF_MAX_DEPTH, maxProblems: 10 });
  if (problems.length > 0) {
    const detail = problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('; ');
    return { valid: false, checks: [{ name: 'format', ok: false, detail }] };
  }
  const checks: ProofCheck[] = [];
  try {
    return verifyParsed(input, options, checks);
  } catch (err) {
    // Whatever a check could not compute is that check failing, never an exception for the caller.
    const detail = `verification stopped: ${err instanceof Error ? err.message : String(err)}`;
    return { valid: false, checks: [...checks, { name: 'error', ok: false, detail }] };
  }
}

function verifyParsed(input: unknown, options: VerifyOptions, checks: ProofCheck[]): ProofVerdict {
  const parsed = readingProofSchema.safeParse(input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { valid: false, checks: [{ name: 'format', ok: false, detail }] };
  }
  const proof = parsed.data;
  checks.push({ name: 'format', ok: true, detail: proof.format });

  if (proof.reading === null) {
    checks.push({ name: 'leaf', ok: true, detail: 'reading not disclosed: inclusion of the leaf hash only' });
  } else if (proof.salt === null) {
    checks.push({
      name: 'leaf',
      ok: false,
      detail: 'reading given without its salt: its leaf cannot be computed',
    });
  } else {
    const salt = Buffer.from(proof.salt, 'base64');
    const computed = hex(leafHash(leafData(new Uint8Array(salt), canonicalBytes(proof.reading))));
    checks.push({
      name: 'leaf',
      ok: salt.length === SALT_BYTES && computed === proof.leaf.hash,
      detail: `SHA-256(0x00 || salt || JCS(reading)) = ${computed}, proof says ${proof.leaf.hash}`,
    });
  }
  checks.push(withheldSaltCheck(proof));

  const { index, treeSize, path } = proof.leaf;
  const included = verifyInclusion(
    fromHex(proof.leaf.hash),
    index,
    treeSize,
    path.map(fromHex),
    fromHex(proof.record.root),
  );
  checks.push({
    name: 'inclusion',
    ok: included,
    detail: `leaf ${index} of ${treeSize} with ${path.length} path hashes ${included ? 'reaches' : 'does not reach'} root ${proof.record.root}`,
  });
  checks.push({
    name: 'tree-size',
    ok: treeSize === proof.record.count,
    detail: `tree of ${treeSize} leaves, record counts ${proof.record.count}`,
  });

  const signed = verifyRecord(proof.record, fromHex(proof.gatewayKey));
  checks.push({
    name: 'record-signature',
    ok: signed,
    detail: `Ed25519 signature of ${proof.record.gatewayId}'s record for ${proof.record.minute} with key ${proof.gatewayKey}: ${signed ? 'valid' : 'invalid'}`,
  });

  const trustedKeys = options.trustedKeys ?? (options.consortium && membersAsKeys(options.consortium));
  if (trustedKeys) {
    const keys = trustedKeys.get(proof.record.gatewayId) ?? [];
    const trusted = keys.includes(proof.gatewayKey);
    checks.push({
      name: 'gateway-key',
      ok: trusted,
      detail: trusted
        ? `${proof.gatewayKey} is a key of ${proof.record.gatewayId}`
        : `${proof.gatewayKey} is not a known key of ${proof.record.gatewayId}`,
    });
  }
  if (proof.anchor !== null) {
    checks.push(...verifyAnchor(proof.record, proof.anchor, options));
    checks.push(verifyFinality(proof.anchor, options.consortium));
  }
  return { valid: checks.every((c) => c.ok), checks };
}

/**
 * A withheld reading carries no salt: with the salt, its leaf hash would let anyone test guesses of a
 * low-entropy reading (docs/proofs.md).
 */
function withheldSaltCheck(proof: Pick<ReadingProof, 'reading' | 'salt'>): ProofCheck {
  if (proof.reading !== null) return { name: 'withheld-salt', ok: true, detail: 'reading disclosed' };
  const ok = proof.salt === null;
  return {
    name: 'withheld-salt',
    ok,
    detail: ok ? 'reading withheld, and its salt with it' : 'reading withheld but its salt given',
  };
}

function membersAsKeys(consortium: Consortium): Map<string, string[]> {
  return new Map(consortium.members.map((m) => [m.gatewayId, [hex(m.publicKey)]]));
}
