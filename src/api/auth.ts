/**
 * Bearer tokens and roles (SPEC §5). A token is looked up by its SHA-256 among the bootstrap admin token,
 * the config's tokens and the tokens issued through the API. 401 without a valid token, 403 outside the role.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role, TokenConfig } from '../config/index.ts';
import { tokenDigest } from '../crypto/tokens.ts';
import { GatewayError } from '../errors.ts';
import type { TokenStore } from '../store/index.ts';

export interface Principal {
  readonly name: string;
  readonly role: Role;
  readonly patients: readonly string[];
}

export interface TokenResolverComponents {
  readonly adminTokenDigest?: string | undefined;
  readonly configTokens: readonly TokenConfig[];
  readonly tokens: Pick<TokenStore, 'get'>;
}

export type TokenResolver = (authorization: string | undefined) => Promise<Principal>;

export function createTokenResolver(components: TokenResolverComponents): TokenResolver {
  const fixed = new Map<string, Principal>();
  for (const t of components.configTokens)
    fixed.set(t.sha256, { name: t.name, role: t.role, patients: t.patients });
  if (components.adminTokenDigest) {
    fixed.set(components.adminTokenDigest, { name: 'bootstrap-admin', role: 'admin', patients: [] });
  }
  return async (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new GatewayError('ERR_UNAUTHENTICATED', 'missing bearer token');
    const digest = tokenDigest(match[1]!);
    const principal = fixed.get(digest) ?? (await components.tokens.get(digest));
    if (!principal) throw new GatewayError('ERR_UNAUTHENTICATED', 'invalid bearer token');
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
    const principal = await resolve(request.headers.authorization);
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
