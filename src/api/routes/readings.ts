/**
 * Patient history and flight logs (SPEC §5). Every read of patient data is appended to the access log
 * before the response leaves, so an unlogged read cannot happen.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import type { ReadingsPage } from '../../store/index.ts';
import { assertPatientAccess, requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { presentReadings } from '../present.ts';
import {
  errorSchema,
  flightParams,
  patientParams,
  readingsPageSchema,
  readingsQuerySchema,
} from '../schemas.ts';

type ReadingsQuery = z.infer<typeof readingsQuerySchema>;

export function readingRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };

  r.get(
    '/v1/patients/:patientId/readings',
    {
      preHandler: requireRole(ctx.resolveToken, ['admin', 'clinician', 'patient']),
      schema: {
        summary: "A patient's readings by device time, oldest first, paginated",
        params: patientParams,
        querystring: readingsQuerySchema,
        response: { 200: readingsPageSchema, ...errors },
      },
    },
    async (request) => {
      const { patientId } = request.params;
      assertPatientAccess(request.principal, patientId);
      const page = await queryPage(`patient:${patientId}`, request.query, (q) =>
        ctx.readings.byPatient(patientId, q),
      );
      await logAccess(request, 'readings.list', patientId, page.readings.length);
      return page;
    },
  );

  r.get(
    '/v1/flights/:flightId',
    {
      preHandler: requireRole(ctx.resolveToken, ['admin', 'clinician']),
      schema: {
        summary: "A drone flight's telemetry and delivery events, in device-time order",
        params: flightParams,
        querystring: readingsQuerySchema,
        response: { 200: readingsPageSchema.extend({ flightId: z.string() }), ...errors },
      },
    },
    async (request) => {
      const { flightId } = request.params;
      const page = await queryPage(`flight:${flightId}`, request.query, (q) =>
        ctx.readings.byFlight(flightId, q),
      );
      const patients = new Set(
        page.readings.map((r) => (r.data as { patientId?: string }).patientId).filter((p) => p !== undefined),
      );
      for (const patientId of patients)
        await logAccess(request, 'flights.get', patientId, page.readings.length);
      if (patients.size === 0) await logAccess(request, 'flights.get', null, page.readings.length);
      return { flightId, ...page };
    },
  );

  async function queryPage(
    resource: string,
    query: ReadingsQuery,
    run: (q: Parameters<ApiContext['readings']['byPatient']>[1]) => Promise<ReadingsPage>,
  ) {
    const from = query.from ?? 0;
    const to = query.to ?? ctx.clock() + ctx.maxFutureMs + 1;
    if (!Number.isFinite(from) || !Number.isFinite(to))
      throw new GatewayError('ERR_BAD_REQUEST', 'invalid time');
    if (to <= from)
      throw new GatewayError('ERR_BAD_REQUEST', 'querystring.to must be after querystring.from');
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, resource);
    const page = await run({ from, to, kind: query.kind, limit: query.limit, after });
    return {
      readings: await presentReadings(page.readings, ctx.windows, (r) => ctx.ledger.anchorOf(r)),
      nextCursor: page.nextAfter === null ? null : encodeCursor(resource, page.nextAfter),
    };
  }

  async function logAccess(request: FastifyRequest, action: string, patientId: string | null, count: number) {
    const { principal } = request;
    ctx.metrics.apiAccess.inc({ role: principal.role });
    await ctx.accessLog.append({
      actor: principal.name,
      role: principal.role,
      action,
      patientId,
      resource: request.url,
      count,
    });
  }
}
