import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { CalibrationResult, FitOptions } from '../../harness/calibrate/calibrate';

const CALIBRATE = join(__dirname, '..', '..', 'dist', 'harness', 'calibrate', 'calibrate.js');
const RUN_DIR = join(__dirname, '..', '..', 'dist', 'harness', 'results', 'run-dir.js');

/**
 * fitProfile on run directories, in a worker thread running the built code (`npm test` builds first).
 * The fit replays tens of thousands of simulations, which run about fifteen times slower inside
 * jest's module sandbox than in plain Node (48 s against 3.2 s for the memory-floor fixture).
 */
export function fitInWorker(runs: string[], holdout: string[], options: Omit<FitOptions, 'log'> = {}): Promise<CalibrationResult> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { fitProfile } = require(workerData.calibrate);
    const { readRunDirectory } = require(workerData.runDir);
    const read = (directories) => directories.map((directory) => readRunDirectory(directory));
    parentPort.postMessage(fitProfile(read(workerData.runs), read(workerData.holdout), workerData.options));
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { calibrate: CALIBRATE, runDir: RUN_DIR, runs, holdout, options } });
    worker.once('message', (result: CalibrationResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
