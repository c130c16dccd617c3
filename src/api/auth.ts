/**
 * Bearer tokens and roles (docs/api.md). A token is looked up by its SHA-256 among the bootstrap admin token,
 * the config's tokens and the tokens issued through the API. 401 without a valid token, 403 outside the role.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role, TokenConfig } from '../config/index.ts';
import { tokenDigest } from '../crypto/tokens.ts';
import { GatewayError } from '../errors.ts';
import type { TokenStore } from '../store/index.ts';
import type { FailedAuthLimiter } from './failed-auth.ts';

export interface Principal {
  readonly name: string;
  readonly role: Role;
  readonly patients: readonly string[];
}

export interface TokenResolverComponents {
  readonly adminTokenDigest?: string | undefined;
  readonly configTokens: readonly TokenConfig[];
  readonly tokens: Pick<TokenStore, 'get'>;
  /** Failed authentications per address; without it, failures are not limited. */
  readonly failedAuth?: FailedAuthLimiter;
  /** Called for each failed authentication, with what the client got. */
  readonly onFailure?: (outcome: 'unauthorized' | 'rate_limited') => void;
  readonly clock?: () => number;
}

/** Resolves a bearer token to its principal; `address` is the client's, for the failed-auth limit. */
export type TokenResolver = (authorization: string | undefined, address?: string) => Promise<Principal>;

export function createTokenResolver(components: TokenResolverComponents): TokenResolver {
  const fixed = new Map<string, Principal>();
  for (const t of components.configTokens)
    fixed.set(t.sha256, { name: t.name, role: t.role, patients: t.patients });
  if (components.adminTokenDigest) {
    fixed.set(components.adminTokenDigest, { name: 'bootstrap-admin', role: 'admin', patients: [] });
  }
  const clock = components.clock ?? Date.now;
  /** A failure is counted against the address; past its limit the client is told when to come back. */
  const refuse = (address: string | undefined, message: string): never => {
    const wait = address === undefined ? 0 : (components.failedAuth?.fail(address, clock()) ?? 0);
    components.onFailure?.(wait > 0 ? 'rate_limited' : 'unauthorized');
    if (wait > 0) {
      throw new GatewayError(
        'ERR_AUTH_RATE_LIMITED',
        `too many failed authentications from this address; retry in ${wait} s`,
        { details: { retryAfterSeconds: wait } },
      );
    }
    throw new GatewayError('ERR_UNAUTHENTICATED', message);
  };
  return async (authorization, address) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return refuse(address, 'missing bearer token');
    const digest = tokenDigest(match[1]!);
    const principal = fixed.get(digest) ?? (await components.tokens.get(digest));
    if (!principal) return refuse(address, 'invalid bearer token');
    return { name: principal.name, role: principal.role, patients: principal.patients };
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** A preHandler that authenticates the request and admits only the given roles. */
export function requireRole(resolve: TokenResolver, roles: readonly Role[]) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const principal = await resolve(request.headers.authorization, request.ip);
    if (!roles.includes(principal.role)) {
      throw new GatewayError(
        'ERR_FORBIDDEN',
        `role ${principal.role} may not ${request.method} ${request.routeOptions.url}`,
      );
    }
    request.principal = principal;
  };
}

/** Admins and the patient's clinicians read a patient's data; a patient token reads its own. */
export function hasPatientAccess(principal: Principal, patientId: string): boolean {
  if (principal.role === 'admin') return true;
  return (
    (principal.role === 'clinician' || principal.role === 'patient') && principal.patients.includes(patientId)
  );
}

export function assertPatientAccess(principal: Principal, patientId: string): void {
  if (hasPatientAccess(principal, patientId)) return;
  // The message does not name the patient: a proof asked by reading id would tell whose reading it is.
  throw new GatewayError('ERR_FORBIDDEN', `role ${principal.role} has no grant for this patient`);
}
