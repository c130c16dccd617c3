/**
 * node-cron schedules (docs/architecture.md: anchoring). Sealing fires just after each window boundary plus the
 * grace period; a run seals every window that is due, so a late or missed tick loses nothing.
 */
import cron, { type ScheduledTask } from 'node-cron';

/** A cron expression (with seconds) firing `offsetSeconds` after each boundary of a window that divides an hour. */
export function windowCron(windowSeconds: number, offsetSeconds: number): string {
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || 3600 % windowSeconds !== 0) {
    throw new RangeError('windowSeconds must divide 3600');
  }
  const offset = Math.ceil(Math.max(0, offsetSeconds)) % windowSeconds;
  if (windowSeconds < 60 && 60 % windowSeconds === 0) {
    const seconds: number[] = [];
    for (let s = offset; s < 60; s += windowSeconds) seconds.push(s);
    return `${seconds.join(',')} * * * * *`;
  }
  if (windowSeconds % 60 === 0) {
    const minutes = windowSeconds / 60;
    const s = offset % 60;
    const m = Math.floor(offset / 60);
    const minuteField = minutes === 60 ? String(m) : minutes === 1 ? '*' : `${m}-59/${minutes}`;
    return `${s} ${minuteField} * * * *`;
  }
  // Windows that divide an hour but not a minute (e.g. 40 s, 90 s): tick every second, sealDue decides.
  return '* * * * * *';
}

export interface Schedule {
  stop(): Promise<void>;
}

export function schedule(
  expression: string,
  name: string,
  run: () => Promise<unknown>,
  onError: (err: Error) => void,
): Schedule {
  const task: ScheduledTask = cron.schedule(
    expression,
    async () => {
      try {
        await run();
      } catch (err) {
        onError(err as Error);
      }
    },
    { name, noOverlap: true },
  );
  return {
    async stop() {
      await task.destroy();
    },
  };
}
