import { spawnSync } from 'node:child_process';
import { allowedCpus } from '../../common/cpu-pin';
import { startListeningProcess, startServeProcess, type ServerProcess } from '../../harness/api/serve-process';

export type MockProcess = ServerProcess;
export { startListeningProcess };

/**
 * Runs `tokenbench serve` in its own process, so a measuring client does not share the server's
 * event loop (docs/DESIGN.md §5). Resolves once the server prints its URL.
 */
export const startMockProcess = startServeProcess;

/**
 * How a latency-sensitive harness and a mock share this machine: the harness's event loop on a CPU of
 * its own (`tokenbench run --pin-cpu`), the mock on another. Undefined where that cannot be done
 * (not Linux, one CPU, no taskset or no right to use it), and the two then share the CPUs as the scheduler likes.
 */
export function separateCpus(): { usable: number[]; harnessEventLoop: number; mock: number[] } | undefined {
  if (process.platform !== 'linux') return undefined;
  const usable = allowedCpus(process.pid);
  // taskset may be missing, or a container may forbid changing affinity: then share.
  if (usable.length < 2 || spawnSync('taskset', ['-c', String(usable[0]), 'true']).status !== 0) return undefined;
  return { usable, harnessEventLoop: usable[0], mock: [usable[usable.length - 1]] };
}

/** `--pin-cpu N` for `tokenbench run` or `serve` where a CPU was set aside, nothing where none was. */
export function pinCpuFlag(cpu: number | undefined): string[] {
  return cpu === undefined ? [] : ['--pin-cpu', String(cpu)];
}

/** Moves every thread of this process onto `cpus` (taskset), e.g. off a CPU given to a server's event loop. */
export function confineThisProcess(cpus: number[]): void {
  const result = spawnSync('taskset', ['-a', '-p', '-c', cpus.join(','), String(process.pid)]);
  if (result.status !== 0) throw new Error(`taskset could not confine this process: ${result.stderr}`);
}
