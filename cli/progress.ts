import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  tick(): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; plain periodic lines otherwise (CI logs, pipes). */
export function startProgress(label: string, total: number): Progress {
  let done = 0;
  if (process.stderr.isTTY && Number.isFinite(total) && total < Number.MAX_SAFE_INTEGER) {
    const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} requests | {duration_formatted}`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
    bar.start(total, 0);
    return {
      tick: () => bar.update(++done),
      stop: () => bar.stop(),
    };
  }
  const timer = setInterval(() => process.stderr.write(`  ${label}: ${done} requests done\n`), 2000);
  return {
    tick: () => void done++,
    stop: () => clearInterval(timer),
  };
}
