/**
 * A ledger's main chain as `gateway verify --ledger URL` sees it (docs/api.md): the head, and the block at the
 * height a proof names, fetched over the ledger API. Any member's gateway answers for the whole consortium.
 */
import type { ChainView } from '../../model/index.ts';

export async function fetchChainView(
  baseUrl: string,
  height: number | null,
  token: string | undefined,
  timeoutMs = 10_000,
): Promise<ChainView> {
  const base = baseUrl.replace(/\/+$/, '');
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (res.status !== 200)
      throw new Error(`GET ${base}${path}: ${res.status} ${String(body?.message ?? '')}`);
    return body!;
  };
  const head = (await get('/v1/ledger/head')) as { height: number; genesis: string };
  let atHeight: string | undefined;
  if (height !== null) {
    const page = (await get(`/v1/ledger/blocks?fromHeight=${height}&limit=1`)) as {
      blocks: Array<{ hash: string; height: number }>;
    };
    atHeight = page.blocks[0]?.height === height ? page.blocks[0].hash : undefined;
  }
  return {
    source: base,
    genesisHash: head.genesis,
    tipHeight: head.height,
    mainHashAt: (h) => (h === height ? atHeight : undefined),
  };
}
