/**
 * `/fhir`: HL7 FHIR R4 reads of the gateway (docs/fhir.md), an encapsulated fastify context with its own
 * content type and OperationOutcome errors. Same bearer tokens, roles and grants as /v1; every read of
 * patient data goes to the access log before the response leaves.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors.ts';
import { SUFFIXES } from '../../fhir/codes.ts';
import { fromFhirId } from '../../fhir/ids.ts';
import { observationId } from '../../fhir/observations.ts';
import { decodePageCursor, encodePageCursor } from '../../fhir/page-cursor.ts';
import { capabilityStatement, deviceResource, patientResource } from '../../fhir/resources.ts';
import {
  parseDeliverySearch,
  parseFlightSearch,
  parseObservationSearch,
  type Query,
} from '../../fhir/search.ts';
import { isId, type StoredReading } from '../../store/index.ts';
import { hasPatientAccess, requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { createProofSource } from '../proof-source.ts';
import type { FhirContext } from './context.ts';
import { exportRoutes } from './export-routes.ts';
import { createExportRunner } from './export-runner.ts';
import { type IndexSearch, runIndexSearch } from './index-search.ts';
import { createReadingMapper, type ReadingMapper, type ReadingView } from './readings.ts';
import { baseUrl, fhirErrorHandler, sendFhir, sendOutcome } from './reply.ts';

export function fhirRoutes(app: FastifyInstance, ctx: ApiContext, fhir: FhirContext): void {
  app.register(
    async (api) => {
      api.setErrorHandler(fhirErrorHandler);
      api.setNotFoundHandler((request, reply) =>
        sendOutcome(reply, 404, `no FHIR interaction ${request.method} ${request.url.split('?')[0]}`),
      );
      const mapper = createReadingMapper(fhir, { masker: ctx.masker, proofs: createProofSource(ctx) });
      const runner = createExportRunner(fhir.export, {
        jobs: fhir.exportJobs,
        readings: ctx.readings,
        registry: ctx.registry,
        mapper,
        accessLog: ctx.accessLog,
        metrics: ctx.metrics,
        clock: ctx.clock,
      });
      await runner.start();
      api.addHook('onClose', () => runner.stop());
      routes(api, ctx, fhir, mapper);
      exportRoutes(api, ctx, fhir, runner);
    },
    { prefix: '/fhir' },
  );
}

const READERS = ['admin', 'clinician', 'patient'] as const;

function routes(api: FastifyInstance, ctx: ApiContext, fhir: FhirContext, mapper: ReadingMapper): void {
  const readers = requireRole(ctx.resolveToken, READERS);

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

  /** One access-log entry per patient shown in clear, or one without a patient. */
  async function logViews(
    request: FastifyRequest,
    action: string,
    views: readonly ReadingView[],
    count: number,
  ) {
    const patients = new Set(views.map((v) => v.patientId).filter((p) => p !== null));
    for (const patientId of patients) await logAccess(request, action, patientId, count);
    if (patients.size === 0) await logAccess(request, action, null, count);
  }

  async function readingById(id: string): Promise<StoredReading> {
    const reading = isId(id) ? await ctx.readings.byId(id) : undefined;
    if (!reading) throw new GatewayError('ERR_NOT_FOUND', `no resource with id ${id}`);
    return reading;
  }

  const bundle = (request: FastifyRequest, entries: BundleEntry[], next: string | null): Bundle => ({
    resourceType: 'Bundle',
    type: 'searchset',
    link: [
      { relation: 'self', url: `${baseUrl(fhir, request)}${request.url.slice('/fhir'.length)}` },
      ...(next ? [{ relation: 'next', url: next }] : []),
    ],
    entry: entries,
  });
  const entry = (request: FastifyRequest, resource: Resource, mode: 'match' | 'include'): BundleEntry => ({
    fullUrl: `${baseUrl(fhir, request)}/${resource.resourceType}/${resource.id}`,
    resource,
    search: { mode },
  });

  api.get('/metadata', async (request, reply) =>
    sendFhir(
      reply,
      capabilityStatement({
        software: { name: 'medgate', version: fhir.version },
        baseUrl: baseUrl(fhir, request),
        date: new Date(ctx.clock()).toISOString(),
      }),
    ),
  );

  interface SearchPlan extends IndexSearch {
    readonly cursor: string | null;
    readonly revIncludeProvenance: boolean;
  }

  /**
   * A search of one resource type over the patient or flight index: grant, page, optional Provenance,
   * `next` link, access log (per patient shown in clear).
   */
  async function indexSearch(
    request: FastifyRequest,
    type: string,
    search: SearchPlan,
    select: (view: ReadingView) => Resource[],
  ): Promise<Bundle> {
    const { principal } = request;
    if (search.index === 'patient' && !hasPatientAccess(principal, search.owner))
      throw new GatewayError('ERR_FORBIDDEN', `role ${principal.role} has no grant for this patient`);
    if (search.index === 'flight' && principal.role !== 'admin' && principal.role !== 'clinician')
      throw new GatewayError('ERR_FORBIDDEN', `role ${principal.role} may not read drone data`);
    const cursorType = `${type}@${search.index}`;
    const start = search.cursor
      ? decodePageCursor(search.cursor, cursorType, search.owner, search.descending)
      : { key: '', skip: 0 };
    const views: ReadingView[] = [];
    const page = await runIndexSearch(
      ctx.readings,
      search,
      start,
      {
        maxPageBytes: ctx.maxPageBytes,
        defaultTo: ctx.clock() + ctx.maxFutureMs + 1,
        scanFactor: fhir.scanFactor,
      },
      (reading) => {
        const view = mapper.view(reading, principal);
        const selected = select(view);
        if (selected.length > 0) views.push(view);
        return selected;
      },
    );
    if (page.cut) ctx.metrics.apiPagesCut.inc();
    const entries: BundleEntry[] = [];
    for (const m of page.matches) for (const r of m.resources) entries.push(entry(request, r, 'match'));
    const count = entries.length;
    if (search.revIncludeProvenance) {
      for (const m of page.matches) {
        const provenance = await mapper.provenance(mapper.view(m.reading, principal));
        entries.push(entry(request, provenance, 'include'));
      }
    }
    let next: string | null = null;
    if (page.next) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(request.query as Query)) {
        if (key === '_cursor') continue;
        for (const v of Array.isArray(value) ? value : [value ?? '']) params.append(key, v);
      }
      params.set('_cursor', encodePageCursor(cursorType, search.owner, search.descending, page.next));
      next = `${baseUrl(fhir, request)}/${type}?${params}`;
    }
    if (search.index === 'patient') await logAccess(request, `fhir.${type}.search`, search.owner, count);
    else await logViews(request, `fhir.${type}.search`, views, count);
    return bundle(request, entries, next);
  }

  const flightPlan = (search: ReturnType<typeof parseFlightSearch>, kind: 'flight' | 'delivery') => ({
    ...search,
    index: 'flight' as const,
    owner: search.flightId,
    kind,
    from: 0,
    to: null,
    descending: false,
  });

  api.get('/Observation', { preHandler: readers }, async (request, reply) => {
    const query = request.query as Query;
    if (query['focus:identifier'] !== undefined) {
      const search = parseFlightSearch(query, 'focus:identifier');
      return sendFhir(
        reply,
        await indexSearch(request, 'Observation', flightPlan(search, 'flight'), (v) => v.resources),
      );
    }
    const search = parseObservationSearch(query);
    const wanted = new Set(search.vitals.map((v) => observationId('', v)));
    const plan = { ...search, index: 'patient' as const, owner: search.patientId, kind: 'vitals' as const };
    const result = await indexSearch(request, 'Observation', plan, (view) =>
      view.resources.filter((o) => wanted.has(o.id!.slice(o.id!.indexOf('-')))),
    );
    return sendFhir(reply, result);
  });

  for (const type of ['SupplyDelivery', 'Task'] as const) {
    api.get(`/${type}`, { preHandler: readers }, async (request, reply) => {
      const query = request.query as Query;
      const only = (view: ReadingView) => view.resources.filter((r) => r.resourceType === type);
      if (type === 'Task' && query['group-identifier'] !== undefined) {
        const search = parseFlightSearch(query, 'group-identifier');
        return sendFhir(reply, await indexSearch(request, type, flightPlan(search, 'delivery'), only));
      }
      const search = parseDeliverySearch(query);
      const plan = {
        ...search,
        index: 'patient' as const,
        owner: search.patientId,
        kind: 'delivery' as const,
        from: 0,
        to: null,
        descending: false,
      };
      return sendFhir(reply, await indexSearch(request, type, plan, only));
    });
  }

  api.get('/Observation/:id', { preHandler: readers }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const dash = id.indexOf('-');
    const vital = dash > 0 ? SUFFIXES.get(id.slice(dash + 1)) : undefined;
    if (!vital) throw new GatewayError('ERR_NOT_FOUND', `no Observation ${id}`);
    const view = mapper.view(await readingById(id.slice(0, dash)), request.principal);
    const found = view.resources.find((r) => r.resourceType === 'Observation' && r.id === id);
    if (!found) throw new GatewayError('ERR_NOT_FOUND', `no Observation ${id}`);
    await logViews(request, 'fhir.Observation.read', [view], 1);
    return sendFhir(reply, found);
  });

  for (const type of ['SupplyDelivery', 'Task'] as const) {
    api.get(`/${type}/:id`, { preHandler: readers }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const reading = await readingById(id);
      if (reading.kind !== 'delivery') throw new GatewayError('ERR_NOT_FOUND', `no ${type} ${id}`);
      const view = mapper.view(reading, request.principal);
      await logViews(request, `fhir.${type}.read`, [view], 1);
      return sendFhir(
        reply,
        view.resources.find((r) => r.resourceType === type),
      );
    });
  }

  api.get('/Provenance/:id', { preHandler: readers }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const view = mapper.view(await readingById(id), request.principal);
    const provenance = await mapper.provenance(view);
    await logViews(request, 'fhir.Provenance.read', [view], 1);
    return sendFhir(reply, provenance);
  });

  api.get('/Provenance', { preHandler: readers }, async (request, reply) => {
    const query = request.query as Query;
    for (const key of Object.keys(query))
      if (key !== 'target' && key !== '_format')
        throw new GatewayError('ERR_BAD_REQUEST', `unknown search parameter ${key}`);
    const target = query.target;
    if (typeof target !== 'string')
      throw new GatewayError('ERR_BAD_REQUEST', 'target={type}/{id} is required, once');
    const match = /^(Observation|SupplyDelivery|Task)\/([0-9a-f]{16})(?:-[a-z0-9]+)?$/.exec(target);
    const entries: BundleEntry[] = [];
    if (match) {
      const reading = await ctx.readings.byId(match[2]!);
      if (reading) {
        const view = mapper.view(reading, request.principal);
        if (view.resources.some((r) => `${r.resourceType}/${r.id}` === target)) {
          entries.push(entry(request, await mapper.provenance(view), 'match'));
          await logViews(request, 'fhir.Provenance.search', [view], 1);
        }
      }
    }
    if (entries.length === 0) await logAccess(request, 'fhir.Provenance.search', null, 0);
    return sendFhir(reply, bundle(request, entries, null));
  });

  api.get('/Patient/:id', { preHandler: readers }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const patientId = fromFhirId(id);
    if (patientId === null) throw new GatewayError('ERR_NOT_FOUND', `no Patient ${id}`);
    const { principal } = request;
    if (!hasPatientAccess(principal, patientId))
      throw new GatewayError('ERR_FORBIDDEN', `role ${principal.role} has no grant for this patient`);
    const known =
      ctx.registry.list().some((d) => d.patientId === patientId) ||
      (await ctx.readings.byPatient(patientId, { from: 0, to: Number.MAX_SAFE_INTEGER, limit: 1 })).readings
        .length > 0 ||
      principal.role !== 'admin';
    if (!known) throw new GatewayError('ERR_NOT_FOUND', `no Patient ${id}`);
    await logAccess(request, 'fhir.Patient.read', patientId, 1);
    return sendFhir(reply, patientResource(patientId));
  });

  api.get('/Device/:id', { preHandler: readers }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const deviceId = fromFhirId(id);
    const record = deviceId === null ? undefined : ctx.registry.get(deviceId);
    const { principal } = request;
    if (record) {
      // A wearable names its patient: only for those who may see that patient.
      if (
        record.patientId &&
        !hasPatientAccess(principal, record.patientId) &&
        principal.role !== 'clinician'
      )
        throw new GatewayError(
          'ERR_FORBIDDEN',
          `role ${principal.role} has no grant for this device's patient`,
        );
      const showPatient = record.patientId !== null && hasPatientAccess(principal, record.patientId);
      await logAccess(request, 'fhir.Device.read', showPatient ? record.patientId : null, 1);
      return sendFhir(
        reply,
        deviceResource({
          id: record.id,
          kind: record.kind,
          patientId: showPatient ? record.patientId : null,
          active: record.revokedAt === null,
        }),
      );
    }
    if (deviceId === fhir.gatewayId) {
      await logAccess(request, 'fhir.Device.read', null, 1);
      return sendFhir(reply, deviceResource({ id: fhir.gatewayId, kind: 'gateway' }));
    }
    throw new GatewayError('ERR_NOT_FOUND', `no Device ${id}`);
  });
}
