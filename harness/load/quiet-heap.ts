import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/**
 * Runs a full, compacting garbage collection now, before a timed phase starts. Setting up a replay
 * (prompts, encoded bodies) leaves the old generation near V8's next mark-compact threshold, and that
 * pause (8–16 ms measured) then lands in the middle of the sends; collected beforehand, the heap has
 * headroom for the run. V8 exposes `gc` only behind a flag, which may be set at run time.
 */
export async function collectGarbageNow(): Promise<void> {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  // V8 sweeps the freed pages on helper threads; let it finish before the clock starts.
  await new Promise((resolve) => setTimeout(resolve, SWEEP_WAIT_MS));
}
const SWEEP_WAIT_MS = 50;
