import { SingleBar, Presets } from 'cli-progress';
import type { ProgressReporter } from '../harness';

/** A progress bar on stderr when it is a terminal; plain periodic lines otherwise (CI logs, pipes). */
export function progressBar(): ProgressReporter {
  let done = 0;
  let bar: SingleBar | undefined;
  let timer: NodeJS.Timeout | undefined;
  return {
    start(label, total) {
      done = 0;
      if (process.stderr.isTTY && Number.isFinite(total) && total < Number.MAX_SAFE_INTEGER) {
        bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} requests | {duration_formatted}`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
        bar.start(total, 0);
      } else {
        timer = setInterval(() => process.stderr.write(`  ${label}: ${done} requests done\n`), 2000);
      }
    },
    tick: () => (bar ? bar.update(++done) : void done++),
    stop() {
      bar?.stop();
      if (timer) clearInterval(timer);
      bar = timer = undefined;
    },
  };
}
