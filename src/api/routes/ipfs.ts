/**
 * A trustless gateway for sealed batches (IPFS HTTP gateway semantics, read-only): a block as
 * `application/vnd.ipld.raw`, or the whole DAG under a CID as `application/vnd.ipld.car`, chosen by
 * the Accept header or `?format=raw|car`. What is served is content-addressed, so clients check every
 * block against its CID; batches hold masked readings in clear and full readings encrypted.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CID } from 'multiformats/cid';
import { z } from 'zod';
import { GatewayError } from '../../errors.ts';
import { carOf } from '../../ipfs/car.ts';
import { requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';

const RAW = 'application/vnd.ipld.raw';
const CAR = 'application/vnd.ipld.car';

export function ipfsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/ipfs/:cid',
    {
      preHandler: requireRole(ctx.resolveToken, ['admin', 'auditor', 'peer', 'clinician']),
      schema: {
        summary: 'Trustless gateway: a block (raw) or a DAG (CAR) by CID',
        params: z.strictObject({ cid: z.string().min(1).max(200) }),
        querystring: z.strictObject({ format: z.enum(['raw', 'car']).optional() }),
      },
    },
    async (request, reply) => {
      let cid: CID;
      try {
        cid = CID.parse(request.params.cid);
      } catch {
        throw new GatewayError('ERR_BAD_REQUEST', `params.cid: not a CID: ${request.params.cid}`);
      }
      if (!(await ctx.ipfs.has(cid))) throw new GatewayError('ERR_NOT_FOUND', `no block ${cid} here`);
      const accept = request.headers.accept ?? '';
      const format = request.query.format ?? (accept.includes(CAR) ? 'car' : 'raw');
      reply
        .header('x-ipfs-roots', cid.toString())
        // Immutable, but only for the client that authenticated: no shared cache keeps it.
        .header('cache-control', 'private, max-age=29030400, immutable');
      if (format === 'car') {
        reply.header('content-type', `${CAR}; version=1`);
        return reply.send(Readable.from(carOf(ctx.ipfs, cid)));
      }
      reply.header('content-type', RAW);
      return reply.send(Buffer.from(await ctx.ipfs.get(cid)));
    },
  );
}
