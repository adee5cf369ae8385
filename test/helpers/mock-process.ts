import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setPriority } from 'node:os';

const BIN = join(__dirname, '..', '..', 'bin', 'tokenbench.js');

export interface MockProcess {
  baseURL: string;
  url: string;
  child: ChildProcess;
  close(): Promise<void>;
}

/**
 * Runs `tokenbench serve` in its own process, so a measuring client does not share the server's
 * event loop (DESIGN §4b). Resolves once the server prints its URL.
 */
export function startMockProcess(args: string[], options: { niceness?: number; nodeArgs?: string[] } = {}): Promise<MockProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  // A lower CPU priority for the mock lets a co-located harness keep its schedule (as pinning would).
  if (options.niceness !== undefined && child.pid !== undefined) setPriority(child.pid, options.niceness);
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
    child.once('exit', (code) => reject(new Error(`tokenbench serve exited with ${code}: ${output}`)));
  });
}
