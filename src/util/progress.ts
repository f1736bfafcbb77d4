/** Progress on the terminal: a bar when stderr is a TTY, nothing otherwise (logs and --json stay clean). */
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, total: number, label?: string): void;
  stop(): void;
}

const none: Progress = { update() {}, stop() {} };

export function createProgress(title: string, enabled = process.stderr.isTTY === true): Progress {
  if (!enabled) return none;
  const bar = new cliProgress.SingleBar(
    {
      format: `${title} [{bar}] {percentage}% | {label}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(value, total, label = '') {
      if (!started) {
        bar.start(total, value, { label });
        started = true;
      }
      bar.setTotal(total);
      bar.update(value, { label });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
