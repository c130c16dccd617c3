/**
 * Reading proofs (docs/api.md): `GET /v1/readings/{id}/proof` assembles a self-contained proof,
 * `POST /v1/proofs/verify` checks one and lists every check. Reading a proof with its reading is a read
 * of patient data and is logged; the auditor role gets the proof without the reading.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { ROLES } from '../../model/index.ts';
import { type ChainView, readingProofSchema, verifyReadingProof } from '../../proofs/index.ts';
import { isId } from '../../store/index.ts';
import { assertPatientAccess, requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { patientRead } from '../patient-data.ts';
import { createProofSource } from '../proof-source.ts';
import { errorSchema } from '../schemas.ts';

const verdictSchema = z.object({
  valid: z.boolean(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
});

/** A reading's proof: patient data unless the holder is an auditor (registered in the patient-data context). */
export function proofRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const proofOf = createProofSource(ctx);

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
      const sealed = await proofOf(reading, disclose);
      if (!sealed)
        throw new GatewayError('ERR_NOT_FOUND', `reading ${id} is not sealed yet: its window is still open`);
      if (disclose) request.disclosed(patientId, 1);
      return sealed.proof;
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
    // Checked against this gateway's consortium and main chain (docs/ledger.md): a proof from any member verifies.
    async (request) =>
      verifyReadingProof(request.body, {
        trustedKeys: ctx.trustedKeys(),
        consortium: node.consortium,
        chain: chainView(),
      }),
  );
}
