/**
 * The gateway's parts in one ordered list (docs/architecture.md, "Parts and their lifecycle"): a part is
 * added when it starts, and stopping runs the list backwards, so the stop order is the reverse of the start
 * order by construction. A start that fails stops what had started before it.
 */

export interface Part {
  readonly name: string;
  /** Opens, listens or schedules; absent for a part that is ready once built. */
  readonly start?: () => unknown;
  /** Closes what `start` (or building the part) opened. */
  readonly stop: () => unknown;
}

export interface Lifecycle {
  /** Starts `part` and adds it to the list; when its start throws, the part is not added. */
  start(part: Part): Promise<void>;
  /**
   * Stops every started part, last started first. Every part is stopped even when one fails; the first
   * failure is thrown after all of them.
   */
  stop(): Promise<void>;
  /** Names of the started parts, in start order. */
  readonly started: readonly string[];
}

export function createLifecycle(): Lifecycle {
  const parts: Part[] = [];
  return {
    async start(part) {
      await part.start?.();
      parts.push(part);
    },
    async stop() {
      const failures: unknown[] = [];
      for (let part = parts.pop(); part !== undefined; part = parts.pop()) {
        try {
          await part.stop();
        } catch (err) {
          failures.push(err);
        }
      }
      if (failures.length > 0) throw failures[0];
    },
    get started() {
      return parts.map((p) => p.name);
    },
  };
}
