/** Device provisioning, one or in bulk, and revocation (docs/devices.md, admin only). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hashSecret } from '../../crypto/secret-hash.ts';
import { randomSecret } from '../../crypto/tokens.ts';
import { GatewayError, isGatewayError } from '../../errors.ts';
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

const HASH_CONCURRENCY = 2;

const isConflict = (err: unknown) => isGatewayError(err) && err.code === 'ERR_CONFLICT';

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function deviceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = requireRole(ctx.resolveToken, ['admin']);
  const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };

  r.post(
    '/v1/devices',
    {
      // The token first, then the bound, both before any row is validated: a stranger learns nothing of
      // the body, and a huge array costs one length check.
      preValidation: [
        admin,
        async (request) => {
          if (Array.isArray(request.body) && request.body.length > ctx.maxDevicesPerRequest) {
            ctx.metrics.devicesRefused.inc({ reason: 'too_many' });
            throw new GatewayError(
              'ERR_TOO_MANY_DEVICES',
              `body: ${request.body.length} devices, at most ${ctx.maxDevicesPerRequest} per request (http.devices.maxPerRequest)`,
            );
          }
        },
      ],
      schema: {
        summary: 'Provision a device, or an array of devices all at once or none; each secret is shown once',
        body: z.union([createDeviceBody, z.array(createDeviceBody).min(1)]),
        response: {
          201: z.union([createdDeviceSchema, z.object({ devices: z.array(createdDeviceSchema) })]),
          409: errorSchema,
          413: errorSchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const bulk = Array.isArray(request.body);
      const rows = Array.isArray(request.body) ? request.body : [request.body];
      let planned: ReturnType<typeof plan>[];
      try {
        planned = rows.map((row, index) => plan(row, bulk ? `body[${index}]` : 'body'));
      } catch (err) {
        ctx.metrics.devicesRefused.inc({ reason: isConflict(err) ? 'conflict' : 'invalid' });
        throw err;
      }
      // One slow hash per device, a few at a time: the thread pool stays free for device logins.
      const hashes = await mapLimited(planned, HASH_CONCURRENCY, (p) =>
        hashSecret(p.secret, ctx.secretHashLog2N),
      );
      const createdAt = ctx.clock();
      const records = planned.map((p, i) => ({ ...p.record, secretHash: hashes[i] as string, createdAt }));
      try {
        if (bulk) await ctx.registry.createMany(records);
        else await ctx.registry.create(records[0] as DeviceRecord);
      } catch (err) {
        if (isConflict(err)) ctx.metrics.devicesRefused.inc({ reason: 'conflict' });
        throw err;
      }
      ctx.metrics.devicesProvisioned.inc(records.length);
      const created = planned.map((p) => p.created);
      return reply.code(201).send(bulk ? { devices: created } : (created[0] as (typeof created)[number]));
    },
  );

  /** A row checked against the rules zod cannot see (kind and binding, ids already taken), with its secret. */
  function plan(row: z.infer<typeof createDeviceBody>, at: string) {
    const { id, kind, patientId } = row;
    const shared = row.shared === true;
    if (kind === 'drone' && patientId !== undefined) {
      throw new GatewayError('ERR_BAD_REQUEST', `${at}.patientId: only a wearable is bound to a patient`);
    }
    if (shared && (kind !== 'wearable' || patientId !== undefined)) {
      throw new GatewayError(
        'ERR_BAD_REQUEST',
        `${at}.shared: only a wearable bound to no patient is shared`,
      );
    }
    if (ctx.registry.get(id)) throw new GatewayError('ERR_CONFLICT', `${at}.id: device ${id} already exists`);
    const secret = randomSecret();
    return {
      secret,
      record: { id, kind, patientId: patientId ?? null, ...(shared ? { shared } : {}), revokedAt: null },
      created: { id, kind, patientId: patientId ?? null, shared, secret },
    };
  }

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
