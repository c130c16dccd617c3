/**
 * The patients a token may see (docs/api.md): all for an admin, a clinician's grants, a patient itself.
 * Each with the device time of its latest reading and its devices (those bound to it at provisioning,
 * and the one that sent that reading). The list is a read of patient data: it is in the access log.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PatientSummary } from '../../store/index.ts';
import { idSchema } from '../../telemetry/index.ts';
import { requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { errorSchema } from '../schemas.ts';

const patientSchema = z.object({
  patientId: z.string(),
  lastReadingAt: z.string().nullable().describe("Device time of the patient's latest reading, ISO-8601"),
  devices: z
    .array(z.string())
    .describe('Devices bound to the patient, and the one that sent its latest reading'),
});

export function patientRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/patients',
    {
      preHandler: requireRole(ctx.resolveToken, ['admin', 'clinician', 'patient']),
      schema: {
        summary: 'Patients this token may read, in id order, with their latest reading time and devices',
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(10_000).default(1000),
          cursor: idSchema.optional().describe('The last patientId of the previous page'),
        }),
        response: {
          200: z.object({ patients: z.array(patientSchema), nextCursor: z.string().nullable() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => {
      const { principal } = request;
      const { limit, cursor } = request.query;
      let summaries: PatientSummary[];
      let nextCursor: string | null = null;
      if (principal.role === 'admin') {
        summaries = await ctx.patients.list({ after: cursor, limit: limit + 1 });
        if (summaries.length > limit) {
          summaries = summaries.slice(0, limit);
          nextCursor = summaries[limit - 1]!.patientId;
        }
      } else {
        const granted = [...new Set(principal.patients)].sort();
        const from = cursor === undefined ? 0 : granted.findIndex((p) => p > cursor);
        const page = from < 0 ? [] : granted.slice(from, from + limit);
        if (from >= 0 && from + limit < granted.length) nextCursor = page[page.length - 1]!;
        summaries = [];
        for (const patientId of page) summaries.push(await ctx.patients.summary(patientId));
      }
      const bound = new Map<string, string[]>();
      for (const device of ctx.registry.list()) {
        if (device.patientId === null || device.revokedAt !== null) continue;
        bound.set(device.patientId, [...(bound.get(device.patientId) ?? []), device.id]);
      }
      ctx.metrics.apiAccess.inc({ role: principal.role });
      await ctx.accessLog.append({
        actor: principal.name,
        role: principal.role,
        action: 'patients.list',
        patientId: null,
        resource: request.url,
        count: summaries.length,
      });
      return {
        patients: summaries.map((s) => ({
          patientId: s.patientId,
          lastReadingAt: s.lastReadingAt === null ? null : new Date(s.lastReadingAt).toISOString(),
          devices: [
            ...new Set([...(bound.get(s.patientId) ?? []), ...(s.lastDeviceId ? [s.lastDeviceId] : [])]),
          ].sort(),
        })),
        nextCursor,
      };
    },
  );
}
