import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const BIN = join(__dirname, '..', '..', 'bin', 'tokenbench.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `tokenbench` binary as a user would; optionally sends Ctrl-C after a delay (or one after each of several). */
export function runCli(args: string[], interruptAfter_ms?: number | number[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: env ? { ...process.env, ...env } : process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => (stdout += data));
    child.stderr.on('data', (data) => (stderr += data));
    for (const after_ms of interruptAfter_ms === undefined ? [] : ([] as number[]).concat(interruptAfter_ms)) setTimeout(() => child.kill('SIGINT'), after_ms);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A run directory's three files, parsed; results.jsonl is in completion order, the records here by id. */
export function readRun(directory: string) {
  const summary = JSON.parse(readFileSync(join(directory, 'summary.json'), 'utf8'));
  const lines = readFileSync(join(directory, 'results.jsonl'), 'utf8').trim().split('\n').filter(Boolean);
  const records = lines.map((line) => JSON.parse(line)).sort((a: { id: number }, b: { id: number }) => a.id - b.id);
  return { summary, records, report: readFileSync(join(directory, 'report.md'), 'utf8') };
}
