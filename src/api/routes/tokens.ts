/** API token issuance (docs/api.md, admin only). The token is shown once; only its SHA-256 is kept. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomSecret, tokenDigest } from '../../crypto/tokens.ts';
import { GatewayError } from '../../errors.ts';
import { requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { createdTokenSchema, createTokenBody, errorSchema } from '../schemas.ts';

export function tokenRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/tokens',
    {
      preHandler: requireRole(ctx.resolveToken, ['admin']),
      schema: {
        summary: 'Issue a bearer token for a role',
        body: createTokenBody,
        response: { 201: createdTokenSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema },
      },
    },
    async (request, reply) => {
      const { role, patients = [] } = request.body;
      if ((role === 'clinician' || role === 'patient') && patients.length === 0) {
        throw new GatewayError(
          'ERR_BAD_REQUEST',
          `body.patients: a ${role} token needs at least one patient`,
        );
      }
      if (role === 'patient' && patients.length !== 1) {
        throw new GatewayError(
          'ERR_BAD_REQUEST',
          'body.patients: a patient token is for exactly one patient',
        );
      }
      if (role !== 'clinician' && role !== 'patient' && patients.length > 0) {
        throw new GatewayError('ERR_BAD_REQUEST', `body.patients: a ${role} token is not bound to patients`);
      }
      const token = randomSecret();
      const name = request.body.name ?? `${role}-${tokenDigest(token).slice(0, 8)}`;
      await ctx.tokens.put(tokenDigest(token), { name, role, patients, createdAt: ctx.clock() });
      return reply.code(201).send({ token, name, role, patients });
    },
  );
}
