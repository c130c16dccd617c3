/** Device provisioning and revocation (SPEC §5, admin only). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hashSecret } from '../../crypto/secret-hash.ts';
import { randomSecret } from '../../crypto/tokens.ts';
import { GatewayError } from '../../errors.ts';
import type { DeviceRecord } from '../../store/index.ts';
import { requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import {
  createDeviceBody,
  createdDeviceSchema,
  deviceParams,
  deviceSchema,
  errorSchema,
} from '../schemas.ts';

const present = (d: DeviceRecord) => ({
  id: d.id,
  kind: d.kind,
  patientId: d.patientId,
  shared: d.shared === true,
  createdAt: new Date(d.createdAt).toISOString(),
  revokedAt: d.revokedAt === null ? null : new Date(d.revokedAt).toISOString(),
});

export function deviceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = requireRole(ctx.resolveToken, ['admin']);
  const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };

  r.post(
    '/v1/devices',
    {
      preHandler: admin,
      schema: {
        summary: 'Provision a device; its secret is shown once',
        body: createDeviceBody,
        response: { 201: createdDeviceSchema, 409: errorSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { id, kind, patientId } = request.body;
      const shared = request.body.shared === true;
      if (kind === 'drone' && patientId !== undefined) {
        throw new GatewayError('ERR_BAD_REQUEST', 'body.patientId: only a wearable is bound to a patient');
      }
      if (shared && (kind !== 'wearable' || patientId !== undefined)) {
        throw new GatewayError(
          'ERR_BAD_REQUEST',
          'body.shared: only a wearable bound to no patient is shared',
        );
      }
      if (ctx.registry.get(id)) throw new GatewayError('ERR_CONFLICT', `device ${id} already exists`);
      const secret = randomSecret();
      const secretHash = await hashSecret(secret, ctx.secretHashLog2N);
      await ctx.registry.create({
        id,
        kind,
        patientId: patientId ?? null,
        ...(shared ? { shared } : {}),
        secretHash,
        createdAt: ctx.clock(),
        revokedAt: null,
      });
      return reply.code(201).send({ id, kind, patientId: patientId ?? null, shared, secret });
    },
  );

  r.get(
    '/v1/devices',
    {
      preHandler: admin,
      schema: {
        summary: 'List devices',
        response: { 200: z.object({ devices: z.array(deviceSchema) }), ...errors },
      },
    },
    async () => ({ devices: ctx.registry.list().map(present) }),
  );

  r.delete(
    '/v1/devices/:id',
    {
      preHandler: admin,
      schema: {
        summary: 'Revoke a device and close its connections at once',
        params: deviceParams,
        response: {
          200: deviceSchema.extend({ disconnected: z.number().int() }),
          404: errorSchema,
          ...errors,
        },
      },
    },
    async (request) => {
      const revoked = await ctx.registry.revoke(request.params.id, ctx.clock());
      const disconnected = ctx.disconnectDevice(revoked.id);
      return { ...present(revoked), disconnected };
    },
  );
}
