/** A plain line logger for the operator: time, level, message, on stderr. */
export type LogLevel = 'info' | 'warn' | 'error';
export type Log = (level: LogLevel, message: string) => void;

export function createLog(options: { quiet?: boolean } = {}): Log {
  return (level, message) => {
    if (options.quiet && level === 'info') return;
    process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`);
  };
}
