/** A webhook receiver for tests: real node:http on 127.0.0.1 that checks each delivery's HMAC itself. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface Delivery {
  readonly deliveryId: string;
  /** The `x-medgate-delivery` header. */
  readonly header: string | undefined;
  /** Whether `x-medgate-signature` is `sha256=` + HMAC-SHA-256 of the raw body with the secret. */
  readonly verified: boolean;
  readonly body: { deliveryId: string; event: string; alarm: Record<string, any> };
}

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly deliveries: Delivery[];
  close(): Promise<void>;
}

/** The check a receiver makes, as docs/alarms.md shows it. */
export function verifySignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * `respond(n)` decides the answer to the n-th request (0-based): a status, or `hang` (never answer). By
 * default a verified delivery gets 204 and any other 401.
 */
export async function startReceiver(
  secret: string,
  port = 0,
  respond?: (n: number) => number | 'hang',
): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const verified = verifySignature(secret, raw, req.headers['x-medgate-signature'] as string | undefined);
      const body = JSON.parse(raw.toString('utf8'));
      deliveries.push({
        deliveryId: body.deliveryId,
        header: req.headers['x-medgate-delivery'] as string | undefined,
        verified,
        body,
      });
      const answer = respond ? respond(deliveries.length - 1) : verified ? 204 : 401;
      if (answer === 'hang') return;
      res.writeHead(answer, answer === 302 ? { location: '/elsewhere' } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${bound}/hooks/medgate`,
    port: bound,
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `check` until it returns a truthy value (or fails after `timeoutMs`). */
export async function until<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<Exclude<T, false | null | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, false | null | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
