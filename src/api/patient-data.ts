/**
 * The routes that return patient data, in one encapsulated fastify context (docs/api.md, "Access log"). Each
 * route here names its access-log action (`config.access`; a route without one is refused when it is
 * registered) and says whose data a response discloses with `request.disclosed(patientId, count)`. The
 * context appends those reads to the access log before the response is serialized: when the log cannot be
 * written, the client gets an error instead of the data, so an unlogged read cannot happen.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../model/index.ts';
import { requireRole } from './auth.ts';
import type { ApiContext } from './context.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The access-log action of a route that returns patient data, e.g. `readings.list`. */
    access?: string;
  }
  interface FastifyRequest {
    /** This response discloses `count` readings of the patient (null: of no patient in particular). */
    disclosed(patientId: string | null, count: number): void;
  }
}

interface Read {
  readonly patientId: string | null;
  readonly count: number;
}

/** The options of a route that returns patient data: the roles that may call it and its access-log action. */
export function patientRead(ctx: Pick<ApiContext, 'resolveToken'>, roles: readonly Role[], access: string) {
  return { preHandler: requireRole(ctx.resolveToken, roles), config: { access } };
}

/** Appends one read of patient data by the request's principal to the access log, and counts it. */
export async function logRead(
  ctx: Pick<ApiContext, 'metrics' | 'accessLog'>,
  request: FastifyRequest,
  action: string,
  patientId: string | null,
  count: number,
): Promise<void> {
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

export type RouteFamily = (app: FastifyInstance, ctx: ApiContext) => void;

/** A plugin holding `routes` in the patient-data context. */
export function patientDataContext(ctx: ApiContext, routes: readonly RouteFamily[]) {
  return async (scope: FastifyInstance): Promise<void> => {
    const reads = new WeakMap<FastifyRequest, Read[]>();
    scope.addHook('onRoute', (route) => {
      const access = (route.config as { access?: unknown } | undefined)?.access;
      if (typeof access !== 'string' || access.length === 0)
        throw new Error(
          `${route.method} ${route.url} returns patient data: it must name its access-log action`,
        );
    });
    scope.decorateRequest(
      'disclosed',
      function (this: FastifyRequest, patientId: string | null, count: number) {
        const list = reads.get(this);
        if (list) list.push({ patientId, count });
        else reads.set(this, [{ patientId, count }]);
      },
    );
    scope.addHook('preSerialization', async (request, reply, payload) => {
      const list = reads.get(request);
      if (!list || reply.statusCode >= 400) return payload;
      const action = request.routeOptions.config.access!;
      for (const { patientId, count } of list) await logRead(ctx, request, action, patientId, count);
      return payload;
    });
    for (const register of routes) register(scope, ctx);
  };
}
