/**
 * FHIR searches (docs/fhir.md, "Search"): a patient's Observations, SupplyDeliveries and Tasks, a flight's
 * telemetry and Tasks, each a paged searchset Bundle over the patient or flight index.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors.ts';
import { observationId } from '../../fhir/observations.ts';
import { decodePageCursor, encodePageCursor } from '../../fhir/page-cursor.ts';
import {
  parseDeliverySearch,
  parseFlightSearch,
  parseObservationSearch,
  type Query,
} from '../../fhir/search.ts';
import { hasPatientAccess } from '../auth.ts';
import { type IndexSearch, runIndexSearch } from './index-search.ts';
import type { ReadingView } from './readings.ts';
import { baseUrl, sendFhir } from './reply.ts';
import type { RouteKit } from './route-kit.ts';

export function searchRoutes(api: FastifyInstance, kit: RouteKit): void {
  const { ctx, fhir, mapper, readers, logAccess, logViews, bundle, entry } = kit;

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
}
