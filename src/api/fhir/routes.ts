/**
 * `/fhir`: HL7 FHIR R4 reads of the gateway (docs/fhir.md), an encapsulated fastify context with its own
 * content type and OperationOutcome errors. Same bearer tokens, roles and grants as /v1; every read of
 * patient data goes to the access log before the response leaves.
 */
import type { BundleEntry } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors.ts';
import { SUFFIXES } from '../../fhir/codes.ts';
import { fromFhirId } from '../../fhir/ids.ts';
import { capabilityStatement, deviceResource, patientResource } from '../../fhir/resources.ts';
import type { Query } from '../../fhir/search.ts';
import { hasPatientAccess, requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { createProofSource } from '../proof-source.ts';
import type { FhirContext } from './context.ts';
import { exportRoutes } from './export-routes.ts';
import { createExportRunner } from './export-runner.ts';
import { createReadingMapper } from './readings.ts';
import { baseUrl, fhirErrorHandler, sendFhir, sendOutcome } from './reply.ts';
import { createRouteKit, type RouteKit } from './route-kit.ts';
import { searchRoutes } from './search-routes.ts';

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
      const readers = requireRole(ctx.resolveToken, ['admin', 'clinician', 'patient']);
      const kit = createRouteKit(ctx, fhir, mapper, readers);
      readRoutes(api, kit);
      searchRoutes(api, kit);
      exportRoutes(api, ctx, fhir, runner);
    },
    { prefix: '/fhir' },
  );
}

function readRoutes(api: FastifyInstance, kit: RouteKit): void {
  const { ctx, fhir, mapper, readers, logAccess, logViews, readingById, bundle, entry } = kit;

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
