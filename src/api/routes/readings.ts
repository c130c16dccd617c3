/**
 * Patient history and flight logs (docs/api.md). Registered in the patient-data context (../patient-data.ts),
 * which appends every read to the access log before the response leaves.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import type { ReadingsPage } from '../../store/index.ts';
import type { ReadingKind } from '../../telemetry/index.ts';
import { assertPatientAccess, hasPatientAccess, type Principal } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { patientRead } from '../patient-data.ts';
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
      ...patientRead(ctx, ['admin', 'clinician', 'patient'], 'readings.list'),
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
      const page = await queryPage(`patient:${patientId}`, request.query, request.principal, (q) =>
        ctx.readings.byPatient(patientId, q),
      );
      request.disclosed(patientId, page.readings.length);
      return page;
    },
  );

  r.get(
    '/v1/flights/:flightId',
    {
      ...patientRead(ctx, ['admin', 'clinician'], 'flights.get'),
      schema: {
        summary: "A drone flight's telemetry and delivery events, in device-time order",
        params: flightParams,
        querystring: readingsQuerySchema,
        response: { 200: readingsPageSchema.extend({ flightId: z.string() }), ...errors },
      },
    },
    async (request) => {
      const { flightId } = request.params;
      const page = await queryPage(`flight:${flightId}`, request.query, request.principal, (q) =>
        ctx.readings.byFlight(flightId, q),
      );
      // Only what is shown in clear is a read of a patient's data; masked deliveries are not.
      const patients = new Set(
        page.readings
          .filter((r) => !r.masked)
          .map((r) => (r.data as { patientId?: string }).patientId)
          .filter((p) => p !== undefined),
      );
      for (const patientId of patients) request.disclosed(patientId, page.readings.length);
      if (patients.size === 0) request.disclosed(null, page.readings.length);
      return { flightId, ...page };
    },
  );

  async function queryPage(
    resource: string,
    query: ReadingsQuery,
    principal: Principal,
    run: (q: Parameters<ApiContext['readings']['byPatient']>[1]) => Promise<ReadingsPage>,
  ) {
    const from = query.from ?? 0;
    const to = query.to ?? ctx.clock() + ctx.maxFutureMs + 1;
    if (!Number.isFinite(from) || !Number.isFinite(to))
      throw new GatewayError('ERR_BAD_REQUEST', 'invalid time');
    if (to <= from)
      throw new GatewayError('ERR_BAD_REQUEST', 'querystring.to must be after querystring.from');
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, resource);
    const page = await run({
      from,
      to,
      kind: query.kind,
      limit: query.limit,
      maxBytes: ctx.maxPageBytes,
      after,
    });
    if (page.cut) ctx.metrics.apiPagesCut.inc();
    const presented = await presentReadings(page.readings, ctx.windows, (r) => ctx.ledger.anchorOf(r));
    return {
      readings: presented.map((r) => withinGrant(r, principal)),
      nextCursor: page.nextAfter === null ? null : encodeCursor(resource, page.nextAfter),
    };
  }

  /**
   * A reading of a patient outside the token's grant (a delivery on a flight) leaves in the masked form the
   * masking policy gives everything shared: patient id pseudonymized, recipient and notes occluded.
   */
  function withinGrant<R extends { kind: ReadingKind; data: object; masked: boolean }>(
    reading: R,
    principal: Principal,
  ): R {
    const patientId = (reading.data as { patientId?: unknown }).patientId;
    if (typeof patientId !== 'string' || hasPatientAccess(principal, patientId)) return reading;
    return { ...reading, data: ctx.masker.mask(reading.kind, reading.data), masked: true };
  }
}
