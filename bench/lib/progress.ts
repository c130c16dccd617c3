/** Progress bars on stderr (shown only on a terminal, so logs and CI output stay clean). */
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, status: string): void;
  stop(): void;
}

export function progress(label: string, total: number): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(22)} [{bar}] {percentage}% {status}`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { status: '' });
  return {
    update: (value, status) => bar.update(Math.min(value, total), { status }),
    stop: () => bar.stop(),
  };
}
