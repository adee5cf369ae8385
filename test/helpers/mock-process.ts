import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { allowedCpus } from '../../common/cpu-pin';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'tokenbench.js');

export interface MockProcess {
  baseURL: string;
  url: string;
  child: ChildProcess;
  close(): Promise<void>;
}

/**
 * Runs `tokenbench serve` in its own process, so a measuring client does not share the server's
 * event loop (docs/DESIGN.md §5). Resolves once the server prints its URL.
 */
export function startMockProcess(args: string[], options: { cpus?: number[]; nodeArgs?: string[]; stderr?: 'pipe' | 'inherit'; env?: NodeJS.ProcessEnv } = {}): Promise<MockProcess> {
  // A short drain: closing a mock with streams still in flight (a stall) need not wait 30 s.
  const command = [process.execPath, ...(options.nodeArgs ?? []), BIN, 'serve', '--port', '0', '--drain-timeout', '1', ...args];
  // On given CPUs only (taskset), so a co-located harness can have a CPU to itself.
  if (options.cpus) command.unshift('taskset', '-c', options.cpus.join(','));
  return startListeningProcess(command, 'tokenbench serve', options.stderr, options.env);
}

/** Spawns a server process and resolves once it prints `listening on http://…` (tokenbench serve, scripts/llama/serve-llama.ts). */
export function startListeningProcess(command: string[], name: string, stderr: 'pipe' | 'inherit' = 'inherit', env?: NodeJS.ProcessEnv): Promise<MockProcess> {
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', stderr], env: env ? { ...process.env, ...env } : process.env });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (data) => {
      output += data;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        resolve({
          url: match[1],
          baseURL: `${match[1]}/v1`,
          child,
          close: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${output}`)));
  });
}

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
