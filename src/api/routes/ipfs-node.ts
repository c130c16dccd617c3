/**
 * The IPFS network node (docs/ipfs.md): its PeerId and the multiaddrs peers dial, for the other members'
 * `ipfs.network.peers`, and what replication holds. Without `ipfs.network.enabled` there is no node: 404.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { GatewayError } from '../../errors.ts';
import { requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';

export function ipfsNodeRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/ipfs/node',
    {
      preHandler: requireRole(ctx.resolveToken, ['admin', 'auditor', 'peer']),
      schema: { summary: 'The IPFS node: PeerId and multiaddrs (each ending in /p2p/{peerId})' },
    },
    async () => {
      const node = ctx.ipfsNetwork?.();
      if (!node) throw new GatewayError('ERR_NOT_FOUND', 'the IPFS network is off (ipfs.network.enabled)');
      return { peerId: node.peerId(), multiaddrs: node.multiaddrs() };
    },
  );

  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/ipfs/pins',
    {
      preHandler: requireRole(ctx.resolveToken, ['admin', 'auditor', 'peer']),
      schema: {
        summary: 'Replication: per gateway, batches named by anchored records, held whole here, missing',
      },
    },
    async () => {
      const pins = ctx.ipfsPins?.();
      if (!pins)
        throw new GatewayError(
          'ERR_NOT_FOUND',
          'replication is off (ipfs.network.enabled, ipfs.replication.enabled)',
        );
      return pins;
    },
  );
}
