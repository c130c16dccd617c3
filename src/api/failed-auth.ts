/**
 * Failed authentications per remote address (docs/limits.md): a fixed window per address. Past the limit an
 * address's requests without a valid token get 429 until its window ends; a valid token from the same
 * address always passes, since hospitals share NAT addresses. Tokens are 192-bit random, so the limit is
 * about the cost and noise of guessing, not its odds. The table of addresses is bounded: when it is full,
 * the address whose window began first is forgotten.
 */

export interface FailedAuthOptions {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxAddresses: number;
}

export interface FailedAuthLimiter {
  /** Counts a failure; returns the seconds to wait when the address is past its limit, else 0. */
  fail(address: string, now: number): number;
  /** Addresses tracked now. */
  size(): number;
}

export function createFailedAuthLimiter(options: FailedAuthOptions): FailedAuthLimiter {
  // Insertion order is window-start order: a new window re-inserts its address at the end.
  const windows = new Map<string, { count: number; endsAt: number }>();
  return {
    size: () => windows.size,
    fail(address, now) {
      let entry = windows.get(address);
      if (!entry || entry.endsAt <= now) {
        windows.delete(address);
        while (windows.size >= options.maxAddresses) windows.delete(windows.keys().next().value!);
        entry = { count: 0, endsAt: now + options.windowMs };
        windows.set(address, entry);
      }
      entry.count++;
      return entry.count > options.limit ? Math.max(1, Math.ceil((entry.endsAt - now) / 1000)) : 0;
    },
  };
}
