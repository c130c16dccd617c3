/** Signed minute records (docs/api.md): what each sealed window committed to. No patient data. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { ROLES, signedMinuteRecordSchema } from '../../model/index.ts';
import { formatTime } from '../../store/index.ts';
import { requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { errorSchema, queryTime } from '../schemas.ts';

/** A sealed window: its signed record (count: leaves, readings then access-log entries) and its extent. */
const minuteSchema = signedMinuteRecordSchema.extend({
  end: z.string().describe('End of the window (exclusive), ISO-8601'),
  readings: z.number().int(),
  access: z.number().int(),
});

export function minuteRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/minutes',
    {
      preHandler: requireRole(ctx.resolveToken, ROLES),
      schema: {
        summary: 'Sealed windows and their signed records, oldest first',
        querystring: z.strictObject({
          from: queryTime.optional(),
          to: queryTime.optional(),
          limit: z.coerce.number().int().min(1).max(10_000).default(1000),
        }),
        response: {
          200: z.object({ minutes: z.array(minuteSchema), next: z.string().nullable() }),
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => {
      const from = request.query.from ?? 0;
      const to = request.query.to ?? ctx.clock() + 86_400_000;
      if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
        throw new GatewayError('ERR_BAD_REQUEST', 'querystring: from must be before to');
      }
      const limit = request.query.limit;
      const windows = await ctx.windows.between(formatTime(from), formatTime(to), limit + 1);
      const page = windows.slice(0, limit);
      const next = windows.length > limit ? new Date(windows[limit]!.start).toISOString() : null;
      return {
        minutes: page.map((w) => ({
          ...w.record,
          end: new Date(w.end).toISOString(),
          readings: w.readings,
          access: w.access,
        })),
        next,
      };
    },
  );
}
