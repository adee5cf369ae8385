import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';

/** Where each of this process's threads may run after pinning (Linux thread ids). */
export interface PinnedThreads {
  eventLoopCpu: number;
  helperCpus: number[];
  /** The event loop's thread id, which on Linux is the process id. */
  eventLoopTid: number;
  helperTids: number[];
}

/** The process's CPUs as they were before the first pinning (a sweep pins again for each point). */
let cpusBeforePinning: number[] | undefined;

/**
 * Gives the event loop that times the work (the harness's sends and arrivals, the server's token
 * writes) a CPU of its own: its thread is pinned to `cpu` and every other thread of this process
 * (V8's compiler and GC helpers, libuv's pool) to the other CPUs this process may use. Why: when a
 * CPU has more runnable threads than it can run, the Linux scheduler lets one wait up to a tick
 * (4 ms at CONFIG_HZ=250) behind another, and a helper compiling beside the loop is enough to make a
 * send or a write a few milliseconds late. Linux only (needs util-linux's `taskset`); keep other
 * processes (a server under test on the same machine) off `cpu` yourself.
 */
export async function pinEventLoopThread(cpu: number): Promise<PinnedThreads> {
  if (process.platform !== 'linux') throw new Error('--pin-cpu needs Linux');
  const usable = (cpusBeforePinning ??= allowedCpus(process.pid));
  if (!Number.isInteger(cpu) || !usable.includes(cpu)) throw new Error(`--pin-cpu ${cpu}: this process may run on CPUs ${usable.join(',')}`);
  if (usable.length < 2) throw new Error('--pin-cpu needs at least two CPUs');
  // libuv starts its thread pool on first use; start it now so its threads are pinned with the rest
  // (a thread started later inherits its creator's affinity, which would be the loop's CPU).
  await stat(process.execPath);
  const helperCpus = usable.filter((usableCpu) => usableCpu !== cpu);
  const eventLoopTid = process.pid;
  const helperTids = threadIds(process.pid).filter((tid) => tid !== eventLoopTid);
  setAffinity(eventLoopTid, [cpu]);
  for (const tid of helperTids) setAffinity(tid, helperCpus);
  // A young-generation GC split across threads waits for its slowest helper, and helpers now share
  // CPUs with whatever else runs (the server): scavenges took 2-6 ms that way, 0.5-2 ms on the loop alone.
  setFlagsFromString('--no-parallel-scavenge');
  return { eventLoopCpu: cpu, helperCpus, eventLoopTid, helperTids };
}

export function describePinning(pinned: PinnedThreads): string {
  return `event loop pinned to CPU ${pinned.eventLoopCpu}, ${pinned.helperTids.length} helper threads to CPU ${pinned.helperCpus.join(',')}`;
}

function setAffinity(tid: number, cpus: number[]): void {
  try {
    execFileSync('taskset', ['-p', '-c', cpus.join(','), String(tid)], { stdio: 'ignore' });
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? '--pin-cpu needs the taskset command (util-linux)' : `taskset could not pin thread ${tid}: ${(error as Error).message}`);
  }
}

/** A process's thread ids; the first thread's id is the process id. */
export function threadIds(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map(Number);
}

/** The CPUs a thread (of any process) may run on, as the kernel lists them (Cpus_allowed_list, e.g. "0-3,6"). */
export function allowedCpus(tid: number): number[] {
  const status = readFileSync(`/proc/${tid}/status`, 'utf8');
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1] ?? '';
  return list.split(',').filter(Boolean).flatMap((range) => {
    const [first, last = first] = range.split('-').map(Number);
    return Array.from({ length: last - first + 1 }, (_, offset) => first + offset);
  });
}
