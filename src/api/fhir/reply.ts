/**
 * FHIR responses: `application/fhir+json` bodies, errors as OperationOutcome with the status of the error
 * registry (src/errors.ts), `WWW-Authenticate: Bearer` on 401.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, isGatewayError } from '../../errors.ts';
import { type IssueType, operationOutcome } from '../../fhir/resources.ts';
import type { FhirContext } from './context.ts';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export function sendFhir(reply: FastifyReply, body: unknown, status = 200): FastifyReply {
  return reply.code(status).type(FHIR_JSON).send(JSON.stringify(body));
}

const ISSUE: Record<number, IssueType> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  413: 'too-costly',
  429: 'throttled',
  507: 'too-costly',
};

export function sendOutcome(reply: FastifyReply, status: number, message: string): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="medgate"');
  return sendFhir(reply, operationOutcome(ISSUE[status] ?? 'exception', message), status);
}

export function fhirErrorHandler(
  err: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (isGatewayError(err)) {
    const retry = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (typeof retry === 'number') reply.header('retry-after', String(retry));
    return sendOutcome(reply, ERRORS[err.code].status, err.message);
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return sendOutcome(reply, err.statusCode === 413 ? 413 : 400, err.message);
  }
  request.log.error({ err }, 'unhandled error');
  return sendOutcome(reply, 500, ERRORS.ERR_INTERNAL.message);
}

/** The absolute base (`…/fhir`) of links in this response. */
export function baseUrl(fhir: FhirContext, request: FastifyRequest): string {
  return fhir.baseUrl ?? `${request.protocol}://${request.host}/fhir`;
}
