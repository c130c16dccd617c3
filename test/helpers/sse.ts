/** A client of `GET /v1/events` for tests: fetch with the Authorization header, events parsed as they come. */

export interface SseEvent {
  readonly type: string;
  readonly data: any;
}

export interface EventStream {
  readonly status: number;
  readonly events: SseEvent[];
  /** Comment lines seen (heartbeats). */
  comments: number;
  /** Resolves with the first event (seen or to come) matching `match`; rejects after `timeoutMs`. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export async function openEvents(httpUrl: string, token: string): Promise<EventStream> {
  const abort = new AbortController();
  const response = await fetch(`${httpUrl}/v1/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  const stream: EventStream = {
    status: response.status,
    events,
    comments: 0,
    next(match, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(check as () => void);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check as () => void);
          reject(
            new Error(
              `no matching event in ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => e.type))}`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check as () => void);
      });
    },
    ended: Promise.resolve(),
    close: () => abort.abort(),
  };
  if (response.status !== 200 || !response.body) {
    (stream as { events: SseEvent[] }).events.push({ type: 'error', data: await response.json() });
    return stream;
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  (stream as { ended: Promise<void> }).ended = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          if (block.startsWith(':')) {
            stream.comments++;
            continue;
          }
          let type = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) type = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          events.push({ type, data: JSON.parse(data) });
          for (const w of [...waiters]) w();
        }
      }
    } catch {
      // aborted by close(), or the server closed the stream
    }
  })();
  return stream;
}
