import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** A server in a process of its own, listening on loopback. */
export interface ServerProcess {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `url` + `/v1` */
  baseURL: string;
  child: ChildProcess;
  /** SIGTERM, resolved once the process has exited. */
  close(): Promise<void>;
}

/**
 * The tokenbench CLI entry (bin/tokenbench.js), from this file's place in the sources (harness/api) or
 * in the compiled package (dist/harness/api).
 */
export function tokenbenchBin(): string {
  for (const up of [['..', '..'], ['..', '..', '..']]) {
    const candidate = join(__dirname, ...up, 'bin', 'tokenbench.js');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`tokenbench's bin/tokenbench.js was not found above ${__dirname}`);
}

/**
 * `tokenbench serve --port 0 ARGS` in its own process, as a user serves a profile: a client measuring it
 * then shares no event loop with it, as with any endpoint (docs/DESIGN.md §5). A short drain, so closing
 * it with a stalled stream in flight does not wait 30 s.
 */
export function startServeProcess(args: string[], options: { cpus?: number[]; nodeArgs?: string[]; stderr?: 'pipe' | 'inherit' | 'ignore'; env?: NodeJS.ProcessEnv } = {}): Promise<ServerProcess> {
  const command = [process.execPath, ...(options.nodeArgs ?? []), tokenbenchBin(), 'serve', '--port', '0', '--drain-timeout', '1', ...args];
  // On given CPUs only (taskset), so a co-located harness can have a CPU to itself.
  if (options.cpus) command.unshift('taskset', '-c', options.cpus.join(','));
  return startListeningProcess(command, 'tokenbench serve', options.stderr, options.env);
}

/** Spawns a server process and resolves once it prints `listening on http://…`; rejects, with what it printed, if it exits first. */
export function startListeningProcess(command: string[], name: string, stderr: 'pipe' | 'inherit' | 'ignore' = 'inherit', env?: NodeJS.ProcessEnv): Promise<ServerProcess> {
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
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${output}`)));
  });
}
