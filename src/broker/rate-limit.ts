/**
 * Per-address and per-device limits on the MQTT listener: a token bucket for new connections per
 * address, and windows of failed logins after which a key (an address, or a device id) is locked out
 * for the rest of the window (brute force on device secrets). A locked-out key only stops wrong
 * credentials: the authenticator still accepts the right secret (docs/limits.md).
 */

export interface RateLimitOptions {
  readonly connectsPerSecond: number;
  readonly burst: number;
  readonly failedAuthLimit: number;
  readonly failedAuthWindowSeconds: number;
}

export interface RateLimiter {
  /** Takes a token for a new connection from `address`; false when the bucket is empty. */
  allowConnect(address: string, now: number): boolean;
  /** Counts a failed (or not yet verified) login against `key`. */
  recordFailedAuth(key: string, now: number): void;
  /** Takes back one failure counted before the secret turned out right. */
  forgiveFailedAuth(key: string): void;
  /** True while `key` has too many failed logins in the current window. */
  isLockedOut(key: string, now: number): boolean;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

interface Failures {
  count: number;
  windowStart: number;
}

/** Keys are forgotten once idle, so the maps cannot grow without bound. */
const MAX_TRACKED = 100_000;

function prune<V>(map: Map<string, V>): void {
  if (map.size < MAX_TRACKED) return;
  // Map iteration is insertion order: drop the oldest half.
  let n = map.size / 2;
  for (const key of map.keys()) {
    if (n-- <= 0) break;
    map.delete(key);
  }
}

export interface TokenBuckets {
  /** Takes `cost` tokens (default 1) from `key`'s bucket; false when it has fewer. */
  take(key: string, now: number, cost?: number): boolean;
}

/** One token bucket per key: `ratePerSecond` tokens a second, at most `burst` saved up. */
export function createTokenBuckets(ratePerSecond: number, burst: number): TokenBuckets {
  const buckets = new Map<string, Bucket>();
  return {
    take(key, now, cost = 1) {
      let bucket = buckets.get(key);
      if (!bucket) {
        prune(buckets);
        bucket = { tokens: burst, updatedAt: now };
        buckets.set(key, bucket);
      }
      const refill = ((now - bucket.updatedAt) / 1000) * ratePerSecond;
      bucket.tokens = Math.min(burst, bucket.tokens + refill);
      bucket.updatedAt = now;
      if (bucket.tokens < cost) return false;
      bucket.tokens -= cost;
      return true;
    },
  };
}

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const connects = createTokenBuckets(options.connectsPerSecond, options.burst);
  const failures = new Map<string, Failures>();
  const windowMs = options.failedAuthWindowSeconds * 1000;

  return {
    allowConnect: (address, now) => connects.take(address, now),
    recordFailedAuth(key, now) {
      const current = failures.get(key);
      if (!current || now - current.windowStart >= windowMs) {
        prune(failures);
        failures.set(key, { count: 1, windowStart: now });
      } else {
        current.count++;
      }
    },
    forgiveFailedAuth(key) {
      const current = failures.get(key);
      if (current && current.count > 0) current.count--;
    },
    isLockedOut(key, now) {
      const current = failures.get(key);
      if (!current) return false;
      if (now - current.windowStart >= windowMs) {
        failures.delete(key);
        return false;
      }
      return current.count >= options.failedAuthLimit;
    },
  };
}
