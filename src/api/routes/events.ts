/**
 * Live events as server-sent events (docs/dashboard.md). The stream is read with `fetch` and the
 * Authorization header, so a token never travels in a URL. Each event is filtered by the token's grants
 * (live/filter.ts) before it is written. Bounds (docs/limits.md): streams open at once, and the bytes a
 * stream may leave unsent — a client that stops reading is closed, never buffered without end.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors.ts';
import type { LiveEvent } from '../../events/bus.ts';
import { requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { visibleEvent } from '../live/filter.ts';

export function eventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { bus, maxClients, maxPerToken, maxBufferBytes, heartbeatMs } = ctx.live;
  const open = new Set<ServerResponse>();
  let slots = 0;
  /** Streams per principal name: one token cannot take every slot. */
  const perToken = new Map<string, number>();
  const release = (name: string) => {
    slots--;
    const n = (perToken.get(name) ?? 1) - 1;
    if (n === 0) perToken.delete(name);
    else perToken.set(name, n);
  };
  // Streams never end on their own: close them before the server waits for its connections.
  app.addHook('preClose', async () => {
    for (const res of open) res.destroy();
  });

  app.get(
    '/v1/events',
    {
      preHandler: requireRole(ctx.resolveToken, ['admin', 'clinician', 'patient', 'auditor']),
      schema: {
        summary:
          'Live events (text/event-stream): readings after their commit, alarms, sealed windows, blocks; filtered by the grants',
      },
    },
    async (request, reply) => {
      const { principal } = request;
      const refuse = (reason: 'limit' | 'token_limit'): never => {
        ctx.metrics.eventStreamsRefused.inc({ reason });
        throw new GatewayError(
          'ERR_TOO_MANY_STREAMS',
          reason === 'limit'
            ? `at most ${maxClients} live event streams at once`
            : `at most ${maxPerToken} live event streams at once for one token`,
        );
      };
      // The slot is taken before the first await, so concurrent requests cannot pass the bound together.
      if (slots >= maxClients) refuse('limit');
      if ((perToken.get(principal.name) ?? 0) >= maxPerToken) refuse('token_limit');
      slots++;
      perToken.set(principal.name, (perToken.get(principal.name) ?? 0) + 1);
      let unsubscribe: (() => void) | null = null;
      const res = reply.raw;
      let closed = false;
      /** Writes or closes: a stream that leaves more than maxBufferBytes unsent is a client not reading. */
      const write = (text: string) => {
        if (closed) return;
        res.write(text);
        if (res.writableLength > maxBufferBytes) {
          ctx.metrics.eventStreamsRefused.inc({ reason: 'slow' });
          res.destroy();
        }
      };
      try {
        await ctx.accessLog.append({
          actor: principal.name,
          role: principal.role,
          action: 'events.stream',
          patientId: null,
          resource: request.url,
          count: 0,
        });
        unsubscribe = bus.subscribe((event: LiveEvent) => {
          const visible = visibleEvent(principal, event);
          if (visible) write(`event: ${visible.type}\ndata: ${JSON.stringify(visible)}\n\n`);
        });
        if (!unsubscribe) refuse('limit');
      } catch (err) {
        release(principal.name);
        throw err;
      }
      reply.hijack();
      open.add(res);
      ctx.metrics.eventStreams.inc();
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
      const cleanup = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe?.();
        open.delete(res);
        release(principal.name);
        ctx.metrics.eventStreams.dec();
      };
      res.on('close', cleanup);
      // The client may have gone while the access log was written.
      if (res.destroyed || res.socket?.destroyed === true) return cleanup();
      // The security headers the hooks set so far (helmet's), then the stream's own.
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string | number | string[]>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      write(`event: hello\ndata: ${JSON.stringify({ role: principal.role, name: principal.name })}\n\n`);
    },
  );
}
