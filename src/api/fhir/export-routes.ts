/**
 * Bulk export (FHIR Bulk Data Access 2.0, docs/fhir.md "Bulk export"): kick-off with
 * `Prefer: respond-async` → 202 and a status URL; polling → 202 with X-Progress, then 200 with the
 * manifest; files downloaded with the same token; DELETE cancels.
 */
import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors.ts';
import { fromFhirId } from '../../fhir/ids.ts';
import { dateInterval, type Query } from '../../fhir/search.ts';
import { hasPatientAccess, requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import type { FhirContext } from './context.ts';
import { EXPORT_TYPES, type ExportRunner } from './export-runner.ts';
import { baseUrl, sendOutcome } from './reply.ts';

const OUTPUT_FORMATS = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);

export function exportRoutes(
  api: FastifyInstance,
  ctx: ApiContext,
  fhir: FhirContext,
  runner: ExportRunner,
): void {
  const readers = requireRole(ctx.resolveToken, ['admin', 'clinician', 'patient']);
  const statusUrl = (request: FastifyRequest, id: string) => `${baseUrl(fhir, request)}/bulkstatus/${id}`;

  async function kickOff(request: FastifyRequest, reply: FastifyReply, patientIds: readonly string[]) {
    const prefer = String(request.headers.prefer ?? '');
    if (!/(^|[,;\s])respond-async($|[,;\s])/.test(prefer))
      throw new GatewayError('ERR_BAD_REQUEST', 'a bulk export needs the header Prefer: respond-async');
    const query = request.query as Query;
    for (const key of Object.keys(query))
      if (!['_type', '_since', '_outputFormat'].includes(key))
        throw new GatewayError('ERR_BAD_REQUEST', `unsupported export parameter ${key}`);
    const single = (name: string) => {
      const v = query[name];
      if (Array.isArray(v)) throw new GatewayError('ERR_BAD_REQUEST', `${name} may be given once`);
      return v;
    };
    const format = single('_outputFormat');
    if (format !== undefined && !OUTPUT_FORMATS.has(format))
      throw new GatewayError('ERR_BAD_REQUEST', '_outputFormat: only application/fhir+ndjson');
    const typeText = single('_type');
    const types = typeText === undefined ? [...EXPORT_TYPES] : [...new Set(typeText.split(','))];
    for (const type of types)
      if (!(EXPORT_TYPES as readonly string[]).includes(type))
        throw new GatewayError(
          'ERR_BAD_REQUEST',
          `_type: ${type} is not exported (${EXPORT_TYPES.join(', ')})`,
        );
    const sinceText = single('_since');
    let since: number | null = null;
    if (sinceText !== undefined) {
      if (!/T/.test(sinceText)) throw new GatewayError('ERR_BAD_REQUEST', '_since must be an instant');
      since = dateInterval(sinceText).start;
    }
    const job = await runner.kickOff({
      principal: request.principal,
      patientIds,
      types,
      since,
      request: `${baseUrl(fhir, request)}${request.url.slice('/fhir'.length)}`,
      baseUrl: baseUrl(fhir, request),
    });
    reply.header('content-location', statusUrl(request, job.id));
    return sendOutcome(reply, 202, `export ${job.id} accepted; poll ${statusUrl(request, job.id)}`);
  }

  api.get('/Patient/:id/$export', { preHandler: readers }, async (request, reply) => {
    const patientId = fromFhirId((request.params as { id: string }).id);
    if (patientId === null) throw new GatewayError('ERR_NOT_FOUND', 'no such Patient');
    if (!hasPatientAccess(request.principal, patientId))
      throw new GatewayError('ERR_FORBIDDEN', `role ${request.principal.role} has no grant for this patient`);
    return kickOff(request, reply, [patientId]);
  });

  // A group is the token's granted patients (`Group/granted`); an admin's group is every patient a
  // device is bound to.
  api.get('/Group/:id/$export', { preHandler: readers }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (id !== 'granted')
      throw new GatewayError('ERR_NOT_FOUND', `no Group ${id}: the group is Group/granted`);
    const { principal } = request;
    const patients =
      principal.role === 'admin'
        ? [...new Set(ctx.registry.list().flatMap((d) => (d.patientId ? [d.patientId] : [])))].sort()
        : [...principal.patients];
    return kickOff(request, reply, patients);
  });

  api.get('/bulkstatus/:job', { preHandler: readers }, async (request, reply) => {
    const { job, progress } = await runner.status((request.params as { job: string }).job, request.principal);
    if (job.state === 'queued' || job.state === 'running') {
      reply.header(
        'x-progress',
        progress
          ? `running: ${progress.patientsDone} of ${progress.patients} patients, ${progress.readings} readings`
          : 'queued',
      );
      reply.header('retry-after', '2');
      return reply.code(202).send();
    }
    if (job.state === 'failed') return sendOutcome(reply, 500, job.error ?? 'export failed');
    const manifest = {
      transactionTime: new Date(job.transactionTime ?? job.createdAt).toISOString(),
      request: job.request,
      requiresAccessToken: true,
      output: job.files.map((f) => ({
        type: f.type,
        url: `${job.baseUrl}/bulkfiles/${job.id}/${f.name}`,
        count: f.count,
      })),
      error: [],
    };
    reply.header('expires', new Date((job.finishedAt ?? 0) + fhir.export.retentionMs).toUTCString());
    return reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(manifest));
  });

  api.delete('/bulkstatus/:job', { preHandler: readers }, async (request, reply) => {
    await runner.cancel((request.params as { job: string }).job, request.principal);
    return sendOutcome(reply, 202, 'export cancelled and its files deleted');
  });

  api.get('/bulkfiles/:job/:file', { preHandler: readers }, async (request, reply) => {
    const { job, file } = request.params as { job: string; file: string };
    const path = await runner.file(job, file, request.principal);
    ctx.metrics.apiAccess.inc({ role: request.principal.role });
    await ctx.accessLog.append({
      actor: request.principal.name,
      role: request.principal.role,
      action: 'fhir.export.download',
      patientId: null,
      resource: request.url,
      count: 1,
    });
    return reply.type('application/fhir+ndjson').send(createReadStream(path));
  });
}
