/**
 * Samples the gateway's /metrics once a second during a fleet run: the event-loop delay of that second
 * (prom-client's monitorEventLoopDelay, reset at each scrape), GC pauses by kind, and what the gateway was
 * doing in that second (a window sealed, a block mined, group commits and their duration). Seconds with
 * a long delay can then be put next to what ran in them.
 */

export interface ProbeSecond {
  readonly t: number;
  readonly loopMaxMs: number;
  readonly loopP99Ms: number;
  /** GC pause time in this second, ms, and the longest kind's share. */
  readonly gcMs: number;
  readonly gcMajorMs: number;
  /** Major (mark-compact) collections in this second. */
  readonly gcMajors: number;
  readonly sealed: number;
  readonly heightChanged: boolean;
  readonly commits: number;
  readonly commitMs: number;
  /** Group commits over 20 ms, and PUBACKs held over 50 ms from receipt to commit, in this second. */
  readonly slowCommits: number;
  readonly slowAcks: number;
  readonly acks: number;
  /** V8 heap used and external memory (Buffers) at the scrape, MB. */
  readonly heapMb: number;
  readonly externalMb: number;
}

export interface Probe {
  stop(): Promise<ProbeSecond[]>;
}

type Sample = Map<string, number>;

function parse(text: string): Sample {
  const out: Sample = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** monitorEventLoopDelay samples every 10 ms (prom-client's default) and its values include that interval. */
const SAMPLING_MS = 10;
const lag = (s: Sample, stat: 'max' | 'p99') =>
  Math.max(0, (s.get(`medgate_process_nodejs_eventloop_lag_${stat}_seconds`) ?? 0) * 1000 - SAMPLING_MS);

const sum = (s: Sample, prefix: string) => {
  let total = 0;
  for (const [k, v] of s) if (k.startsWith(prefix)) total += v;
  return total;
};

export function startProbe(httpPort: number): Probe {
  const seconds: ProbeSecond[] = [];
  let previous: Sample | undefined;
  const started = performance.now();
  let busy = false;
  const scrape = async () => {
    if (busy) return;
    busy = true;
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`, { signal: AbortSignal.timeout(2_000) });
      const now = parse(await res.text());
      if (previous) {
        const d = (key: string) => (now.get(key) ?? 0) - (previous?.get(key) ?? 0);
        const dp = (prefix: string) => sum(now, prefix) - sum(previous as Sample, prefix);
        seconds.push({
          t: Math.round((performance.now() - started) / 1000),
          loopMaxMs: lag(now, 'max'),
          loopP99Ms: lag(now, 'p99'),
          gcMs: dp('medgate_process_nodejs_gc_duration_seconds_sum') * 1000,
          gcMajorMs: d('medgate_process_nodejs_gc_duration_seconds_sum{kind="major"}') * 1000,
          gcMajors: d('medgate_process_nodejs_gc_duration_seconds_count{kind="major"}'),
          sealed: dp('medgate_windows_sealed_total'),
          heightChanged: d('medgate_ledger_final_height') !== 0,
          commits: d('medgate_commit_duration_seconds_count'),
          commitMs: d('medgate_commit_duration_seconds_sum') * 1000,
          slowCommits:
            d('medgate_commit_duration_seconds_count') -
            d('medgate_commit_duration_seconds_bucket{le="0.02"}'),
          slowAcks:
            d('medgate_ack_latency_seconds_count') - d('medgate_ack_latency_seconds_bucket{le="0.05"}'),
          acks: d('medgate_ack_latency_seconds_count'),
          heapMb: (now.get('medgate_process_nodejs_heap_size_used_bytes') ?? 0) / 1_048_576,
          externalMb: (now.get('medgate_process_nodejs_external_memory_bytes') ?? 0) / 1_048_576,
        });
      }
      previous = now;
    } catch {
      // a missed second; the next scrape covers two
    } finally {
      busy = false;
    }
  };
  void scrape();
  const timer = setInterval(scrape, 1_000);
  return {
    async stop() {
      clearInterval(timer);
      return seconds;
    },
  };
}

/** Seconds grouped by what happened in them, with their worst event-loop delay and GC time. */
export function attribute(seconds: readonly ProbeSecond[]) {
  const groups = new Map<string, ProbeSecond[]>();
  for (const s of seconds) {
    const what = s.sealed > 0 ? 'sealing' : s.heightChanged ? 'block' : 'ingest only';
    groups.set(what, [...(groups.get(what) ?? []), s]);
  }
  return [...groups].map(([what, list]) => ({
    what,
    seconds: list.length,
    loopMaxMs: Math.max(...list.map((s) => s.loopMaxMs)),
    loopP99MedianMs: median(list.map((s) => s.loopP99Ms)),
    gcMsPerSecond: list.reduce((a, s) => a + s.gcMs, 0) / list.length,
    gcMajorMs: list.reduce((a, s) => a + s.gcMajorMs, 0),
    gcMajors: list.reduce((a, s) => a + s.gcMajors, 0),
    commitsPerSecond: list.reduce((a, s) => a + s.commits, 0) / list.length,
    meanCommitMs:
      list.reduce((a, s) => a + s.commitMs, 0) /
      Math.max(
        1,
        list.reduce((a, s) => a + s.commits, 0),
      ),
    slowCommits: list.reduce((a, s) => a + s.slowCommits, 0),
    slowAckShare:
      list.reduce((a, s) => a + s.slowAcks, 0) /
      Math.max(
        1,
        list.reduce((a, s) => a + s.acks, 0),
      ),
  }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}
