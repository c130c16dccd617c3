/**
 * What the FHIR routes share: their context, the reading mapper, the readers' role check, access logging,
 * searchset Bundles, readings by id.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { GatewayError } from '../../errors.ts';
import { isId, type StoredReading } from '../../store/index.ts';
import type { ApiContext } from '../context.ts';
import { logRead } from '../patient-data.ts';
import type { FhirContext } from './context.ts';
import type { ReadingMapper, ReadingView } from './readings.ts';
import { baseUrl } from './reply.ts';

export type RouteKit = ReturnType<typeof createRouteKit>;

export function createRouteKit(
  ctx: ApiContext,
  fhir: FhirContext,
  mapper: ReadingMapper,
  readers: preHandlerAsyncHookHandler,
) {
  const logAccess = (request: FastifyRequest, action: string, patientId: string | null, count: number) =>
    logRead(ctx, request, action, patientId, count);

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

  return { ctx, fhir, mapper, readers, logAccess, logViews, readingById, bundle, entry };
}
