// The live event stream (GET /v1/events): server-sent events read with fetch, so the token goes in the
// Authorization header and never in a URL. Reconnects with a growing pause when the stream ends.

export function connectEvents(token, { onEvent, onState }) {
  let stopped = false;
  let abort = null;
  let pause = 1000;

  async function run() {
    while (!stopped) {
      abort = new AbortController();
      try {
        const res = await fetch('/v1/events', {
          headers: { authorization: `Bearer ${token}` },
          signal: abort.signal,
        });
        if (res.ok && res.body) {
          onState('open');
          pause = 1000;
          await read(res.body);
        }
      } catch {
        // the stream broke or was stopped; retried below
      }
      if (stopped) return;
      onState('closed');
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 15000);
    }
  }

  async function read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        if (block.startsWith(':')) continue; // heartbeat
        let type = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) type = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        try {
          onEvent({ type, data: JSON.parse(data) });
        } catch {
          // one bad event does not stop the stream
        }
      }
    }
  }

  run();
  return {
    stop() {
      stopped = true;
      abort?.abort();
    },
  };
}
