/**
 * Reading proofs (SPEC §5): `GET /v1/readings/{id}/proof` assembles a self-contained proof,
 * `POST /v1/proofs/verify` checks one and lists every check. Reading a proof with its reading is a read
 * of patient data and is logged; the auditor role gets the proof without the reading.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { memberByMinerId } from '../../ledger/index.ts';
import { buildTreeFromHashBuffer, type MerkleTree } from '../../merkle/index.ts';
import { ROLES } from '../../model/index.ts';
import { assembleAnchor } from '../../proofs/anchor.ts';
import { assembleReadingProof } from '../../proofs/assemble.ts';
import {
  type ChainView,
  type ProofAnchor,
  readingProofSchema,
  verifyReadingProof,
} from '../../proofs/index.ts';
import type { WindowRecord } from '../../store/index.ts';
import { formatTime, isId } from '../../store/index.ts';
import { assertPatientAccess, requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { patientRead } from '../patient-data.ts';
import { errorSchema } from '../schemas.ts';

const verdictSchema = z.object({
  valid: z.boolean(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
});

/** Trees of recently asked windows: building one costs a hash per leaf, proofs then cost nothing. */
export function treeCache(size: number) {
  const trees = new Map<number, MerkleTree>();
  return async (start: number, load: () => Promise<Uint8Array | undefined>) => {
    const hit = trees.get(start);
    if (hit) {
      trees.delete(start);
      trees.set(start, hit);
      return hit;
    }
    const hashes = await load();
    if (!hashes) throw new GatewayError('ERR_INTERNAL', `leaf hashes of window ${start} are missing`);
    const tree = buildTreeFromHashBuffer(hashes);
    trees.set(start, tree);
    if (trees.size > size) trees.delete(trees.keys().next().value!);
    return tree;
  };
}

/** The window record's place in the ledger, once a block on the main chain holds it (docs/proofs.md). */
export function windowAnchor(ctx: Pick<ApiContext, 'ledger'>): (window: WindowRecord) => ProofAnchor | null {
  const { node } = ctx.ledger;
  return (window) => {
    const found = ctx.ledger.anchorOf(window.record);
    if (!found) return null;
    const miner = memberByMinerId(node.consortium, found.block.header.minerId);
    if (!miner) return null;
    return assembleAnchor({
      block: found.block,
      blockHash: found.blockHash,
      index: found.index,
      confirmations: found.confirmations,
      miner,
      genesisHash: node.genesisHash,
      ...node.finalityEvidence(found.blockHash),
    });
  };
}

/** A reading's proof: patient data unless the holder is an auditor (registered in the patient-data context). */
export function proofRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tree = treeCache(8);
  const anchorOf = windowAnchor(ctx);

  r.get(
    '/v1/readings/:id/proof',
    {
      ...patientRead(ctx, ['admin', 'clinician', 'patient', 'auditor'], 'readings.proof'),
      schema: {
        summary:
          'A self-contained proof that a reading is in a signed minute (and, once anchored, in the ledger)',
        params: z.strictObject({ id: z.string().min(1).max(32) }),
        response: {
          200: readingProofSchema,
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!isId(id)) throw new GatewayError('ERR_BAD_REQUEST', 'params.id: a reading id is 16 hex digits');
      const reading = await ctx.readings.byId(id);
      if (!reading) throw new GatewayError('ERR_NOT_FOUND', `no reading ${id}`);
      const { principal } = request;
      const patientId = (reading.data as { patientId?: string }).patientId ?? null;
      const disclose = principal.role !== 'auditor';
      if (disclose && principal.role !== 'admin') {
        if (patientId === null)
          throw new GatewayError('ERR_FORBIDDEN', `reading ${id} belongs to no patient`);
        assertPatientAccess(principal, patientId);
      }
      const found = await ctx.windows.ofReading(id);
      if (!found)
        throw new GatewayError('ERR_NOT_FOUND', `reading ${id} is not sealed yet: its window is still open`);
      const key = formatTime(found.window.start);
      const [leafTree, salts] = await Promise.all([
        tree(found.window.start, () => ctx.sealedData.leaves(key)),
        ctx.sealedData.salts(key),
      ]);
      if (!salts) throw new GatewayError('ERR_INTERNAL', `salts of window ${key} are missing`);
      if (disclose) request.disclosed(patientId, 1);
      return assembleReadingProof({
        reading,
        window: found.window,
        index: found.index,
        tree: leafTree,
        salts,
        gatewayKey: ctx.gatewayKey,
        disclose,
        anchor: anchorOf(found.window),
      });
    },
  );
}

/** Checking a proof: the verdict names the checks, it discloses no patient data. */
export function proofVerifyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { node } = ctx.ledger;
  /** This gateway's main chain, for the `chain` check. */
  const chainView = (): ChainView => ({
    source: 'this gateway',
    genesisHash: node.genesisHash,
    tipHeight: node.head().height,
    mainHashAt: (height) => node.mainHashAt(height),
  });

  r.post(
    '/v1/proofs/verify',
    {
      preHandler: requireRole(ctx.resolveToken, ROLES),
      schema: {
        summary: 'Check a proof; every check is listed with what it computed',
        body: z.unknown(),
        response: { 200: verdictSchema, 401: errorSchema, 403: errorSchema },
      },
    },
    // Checked against this gateway's consortium and main chain (SPEC §4): a proof from any member verifies.
    async (request) =>
      verifyReadingProof(request.body, {
        trustedKeys: ctx.trustedKeys(),
        consortium: node.consortium,
        chain: chainView(),
      }),
  );
}
