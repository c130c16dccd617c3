/** One mapping from errors to the HTTP error body of docs/api.md: `{statusCode, code, error, message}`. */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERRORS, type ErrorCode, isGatewayError } from '../errors.ts';
import { isLedgerError } from '../ledger/errors.ts';

export interface ErrorBody {
  readonly statusCode: number;
  readonly code: ErrorCode;
  readonly error: string;
  readonly message: string;
}

export function errorBody(code: ErrorCode, message?: string): ErrorBody {
  const statusCode = ERRORS[code].status;
  return {
    statusCode,
    code,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message: message ?? ERRORS[code].message,
  };
}

export function sendError(reply: FastifyReply, code: ErrorCode, message?: string): FastifyReply {
  const body = errorBody(code, message);
  return reply.code(body.statusCode).send(body);
}

export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isGatewayError(err)) {
    const retry = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (typeof retry === 'number') reply.header('retry-after', String(retry));
    return sendError(reply, err.code, err.message);
  }
  // A refused block or record says which rule it broke (docs/ledger.md), in the docs/api.md error body.
  if (isLedgerError(err)) return sendError(reply, err.code, err.message);
  if (hasZodFastifySchemaValidationErrors(err)) {
    const detail = err.validation
      .map(
        (v) =>
          `${v.instancePath.replace(/^\//, '').replaceAll('/', '.') || err.validationContext || 'request'}: ${v.message}`,
      )
      .join('; ');
    return sendError(reply, 'ERR_BAD_REQUEST', `${err.validationContext ?? 'request'} invalid: ${detail}`);
  }
  if (err.statusCode === 413) return sendError(reply, 'ERR_BAD_REQUEST', 'request body too large');
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return sendError(reply, 'ERR_BAD_REQUEST', err.message);
  }
  request.log.error({ err }, 'unhandled error');
  return sendError(reply, 'ERR_INTERNAL');
}
