/** Signed minute records (SPEC §5): what each sealed window committed to. No patient data. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { formatTime } from '../../store/index.ts';
import { requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { errorSchema, queryTime } from '../schemas.ts';

const minuteSchema = z.object({
  gatewayId: z.string(),
  minute: z.string().describe('Start of the window, ISO-8601'),
  count: z.number().int().describe('Leaves: readings, then access-log entries'),
  root: z.string().describe('RFC 9162 root, hex'),
  batchCid: z.string(),
  signature: z.string().describe('Ed25519 over the RFC 8785 JSON of the five fields above, hex'),
  end: z.string().describe('End of the window (exclusive), ISO-8601'),
  readings: z.number().int(),
  access: z.number().int(),
});

export function minuteRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/minutes',
    {
      preHandler: requireRole(ctx.resolveToken, ['admin', 'clinician', 'patient', 'auditor', 'peer']),
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
