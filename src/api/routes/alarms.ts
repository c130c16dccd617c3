/**
 * Alarms (docs/alarms.md): `GET /v1/alarms` by status, patient and opening time, paged; one alarm;
 * `POST /v1/alarms/{id}/ack`; `GET /v1/alarms/{id}/proof`, a proof per alarm event in the format of a
 * reading's (docs/proofs.md). Admins see every alarm; clinicians the alarms of their granted patients (an
 * alarm about no patient, such as a drone's battery, is the admin's). Showing an alarm is a read of its
 * patient's data: these routes are registered in the patient-data context, which writes the access log.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Alarm, alarmSchema } from '../../alarms/alarm.ts';
import type { AlarmEventEntry } from '../../alarms/store.ts';
import { alarmLeafObject } from '../../batches/leaves.ts';
import { GatewayError } from '../../errors.ts';
import { assembleLeafProof } from '../../proofs/assemble.ts';
import { readingProofSchema } from '../../proofs/index.ts';
import { isId } from '../../store/index.ts';
import { idSchema } from '../../telemetry/index.ts';
import { hasPatientAccess, type Principal } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { patientRead } from '../patient-data.ts';
import { windowAnchor, windowLeaves } from '../proof-source.ts';
import { errorSchema, queryTime } from '../schemas.ts';

const alarmParams = z.strictObject({ id: z.string().min(1).max(32) });
const listQuery = z.strictObject({
  status: z.enum(['open', 'closed']).optional(),
  patientId: idSchema.optional(),
  from: queryTime.optional(),
  to: queryTime.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).max(2048).optional(),
});
const eventProofSchema = z.object({
  id: z.string(),
  event: z.enum(['opened', 'escalated', 'acknowledged', 'closed']),
  at: z.string().describe('Gateway time of the event, ISO-8601'),
  /** Null while the event's window is not sealed yet. */
  proof: readingProofSchema.nullable(),
});
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };
/** Index entries one page looks at before it stops short (the cursor continues). */
const MAX_SCAN = 5000;

/** May the principal see this alarm? */
function canSee(principal: Principal, alarm: Pick<Alarm, 'patientId'>): boolean {
  if (principal.role === 'admin') return true;
  return (
    principal.role === 'clinician' && alarm.patientId !== null && hasPatientAccess(principal, alarm.patientId)
  );
}

export function alarmRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { alarms } = ctx;
  if (!alarms) return;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const anchorOf = windowAnchor(ctx);
  const leaves = windowLeaves(ctx, 8);

  const load = async (principal: Principal, id: string): Promise<Alarm> => {
    if (!isId(id)) throw new GatewayError('ERR_BAD_REQUEST', 'params.id: an alarm id is 16 hex digits');
    const alarm = await alarms.get(id);
    if (!alarm) throw new GatewayError('ERR_NOT_FOUND', `no alarm ${id}`);
    if (principal.role !== 'auditor' && !canSee(principal, alarm))
      throw new GatewayError('ERR_FORBIDDEN', `role ${principal.role} has no grant for this alarm's patient`);
    return alarm;
  };
  /** What a response shows of each patient's alarms: the patient-data context logs it (../patient-data.ts). */
  const discloseAlarms = (request: FastifyRequest, shown: readonly Alarm[]) => {
    const patients = new Set(shown.map((a) => a.patientId).filter((p) => p !== null));
    for (const patientId of patients)
      request.disclosed(patientId, shown.filter((a) => a.patientId === patientId).length);
  };

  r.get(
    '/v1/alarms',
    {
      ...patientRead(ctx, ['admin', 'clinician'], 'alarms.list'),
      schema: {
        summary: 'Alarms by opening time (device time), oldest first, paginated',
        querystring: listQuery,
        response: {
          200: z.object({ alarms: z.array(alarmSchema), nextCursor: z.string().nullable() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { query, principal } = request;
      if (query.patientId !== undefined && !canSee(principal, { patientId: query.patientId }))
        throw new GatewayError('ERR_FORBIDDEN', `role ${principal.role} has no grant for this patient`);
      const from = query.from ?? 0;
      const to = query.to ?? ctx.clock() + ctx.maxFutureMs + 1;
      if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from)
        throw new GatewayError('ERR_BAD_REQUEST', 'querystring.to must be after querystring.from');
      const owner = query.patientId ?? '*';
      const resource = `alarms:${owner}`;
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, resource);
      const page = await alarms.list({
        status: query.status,
        patientId: query.patientId,
        from,
        to,
        limit: query.limit,
        after: after === undefined ? undefined : query.patientId === undefined ? after.slice(2) : after,
        visible: (a) => canSee(principal, a),
        maxScan: MAX_SCAN,
      });
      discloseAlarms(request, page.alarms);
      const cursorKey = query.patientId === undefined ? `*!${page.lastKey}` : page.lastKey;
      return {
        alarms: page.alarms,
        nextCursor: page.more && page.lastKey !== null ? encodeCursor(resource, cursorKey!) : null,
      };
    },
  );

  r.get(
    '/v1/alarms/:id',
    {
      ...patientRead(ctx, ['admin', 'clinician'], 'alarms.get'),
      schema: {
        summary: 'One alarm as it stands',
        params: alarmParams,
        response: { 200: alarmSchema, ...errors },
      },
    },
    async (request) => {
      const alarm = await load(request.principal, request.params.id);
      discloseAlarms(request, [alarm]);
      return alarm;
    },
  );

  r.post(
    '/v1/alarms/:id/ack',
    {
      ...patientRead(ctx, ['admin', 'clinician'], 'alarms.ack'),
      schema: {
        summary:
          'Acknowledge an alarm (once); the acknowledgement is an alarm event, sealed and sent to webhooks',
        params: alarmParams,
        response: { 200: alarmSchema, ...errors, 409: errorSchema },
      },
    },
    async (request) => {
      const alarm = await load(request.principal, request.params.id);
      const acked = await alarms.acknowledge(alarm.id, request.principal.name);
      discloseAlarms(request, [acked]);
      return acked;
    },
  );

  r.get(
    '/v1/alarms/:id/proof',
    {
      ...patientRead(ctx, ['admin', 'clinician', 'auditor'], 'alarms.proof'),
      schema: {
        summary: "Proofs of an alarm's events: each in a signed window (and, once anchored, in the ledger)",
        params: alarmParams,
        response: { 200: z.object({ alarmId: z.string(), events: z.array(eventProofSchema) }), ...errors },
      },
    },
    async (request) => {
      const alarm = await load(request.principal, request.params.id);
      const disclose = request.principal.role !== 'auditor';
      const events = [];
      for (const entry of await alarms.eventsOf(alarm.id))
        events.push({
          id: entry.id,
          event: entry.event,
          at: new Date(entry.at).toISOString(),
          proof: await proofOf(entry, disclose),
        });
      if (disclose) discloseAlarms(request, [alarm]);
      return { alarmId: alarm.id, events };
    },
  );

  async function proofOf(entry: AlarmEventEntry, disclose: boolean) {
    const window = await ctx.windows.containing(entry.at);
    if (!window) return null;
    const inWindow = await alarms!.log.between(window.start, window.end);
    const position = inWindow.findIndex((e) => e.id === entry.id);
    if (position < 0) throw new GatewayError('ERR_INTERNAL', `alarm event ${entry.id} is not in its window`);
    // Trees of recently asked windows are kept: an alarm's events often share one.
    const { tree: leafTree, salts } = await leaves(window);
    return assembleLeafProof({
      leaf: alarmLeafObject(entry),
      window,
      index: window.readings + window.access + position,
      tree: leafTree,
      salts,
      gatewayKey: ctx.gatewayKey,
      disclose,
      anchor: anchorOf(window),
    });
  }
}
