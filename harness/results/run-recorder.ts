import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Rng } from '../../common/random';
import { RunAccumulator } from '../metrics/summary';
import type { RequestRecord } from '../types/record';
import type { RecordSink, RunSummary, Slo } from '../types/run';

/** Records a run keeps in memory for its charts and callers; beyond it, a uniform sample of this size. */
export const KEPT_RECORDS_LIMIT = 20_000;

export interface RecorderOptions {
  /** Append each record to this results.jsonl as it finishes (an interrupted run keeps every line). */
  file?: string;
  /** Goodput SLOs, judged record by record. */
  slo?: Slo;
  /** Records kept in memory (default KEPT_RECORDS_LIMIT; Infinity keeps all). */
  keep?: number;
}

/**
 * Where a run's records go as they finish: streamed to results.jsonl, folded into the summary, and
 * kept in memory up to a limit (then a uniform reservoir sample), so an hour at hundreds of requests
 * per second runs in flat memory.
 */
export class RunRecorder implements RecordSink {
  private readonly accumulator: RunAccumulator;
  private readonly kept: RequestRecord[] = [];
  private readonly keep: number;
  private readonly sampler = new Rng(0).fork('kept-records');
  private fd?: number;
  private closed = false;
  private readonly file?: string;
  private pending: string[] = [];
  private seen = 0;

  constructor(options: RecorderOptions = {}) {
    this.accumulator = new RunAccumulator(options.slo);
    this.keep = options.keep ?? KEPT_RECORDS_LIMIT;
    this.file = options.file;
  }

  /** Whether results.jsonl is written here (run directories then skip writing it). */
  get writesFile(): boolean {
    return this.file !== undefined;
  }

  /** Records seen so far. */
  get count(): number {
    return this.seen;
  }

  /** Whether `records()` is a sample (more records than the limit). */
  get sampled(): boolean {
    return this.seen > this.kept.length;
  }

  add(record: RequestRecord): void {
    this.seen++;
    this.accumulator.add(record);
    if (this.file) {
      this.pending.push(JSON.stringify(record));
      // Lines leave in batches: one write per 64 records keeps the stream's overhead off the send loop.
      if (this.pending.length >= 64) this.flush();
    }
    if (this.kept.length < this.keep) this.kept.push(record);
    else {
      // Algorithm R: every record so far has had the same chance keep/seen of being kept.
      const slot = Math.floor(this.sampler.next() * this.seen);
      if (slot < this.keep) this.kept[slot] = record;
    }
  }

  /** The kept records (all of them up to the limit), by id. */
  records(): RequestRecord[] {
    return [...this.kept].sort((a, b) => a.id - b.id);
  }

  summary(duration_s: number): RunSummary {
    return this.accumulator.summary(duration_s);
  }

  /** Writes what is buffered and closes results.jsonl. */
  async close(): Promise<void> {
    if (!this.file || this.closed) return;
    this.flush(true);
    closeSync(this.fd!);
    this.closed = true;
  }

  // Written synchronously: a simulation never yields to let a stream drain (it would buffer the whole
  // file in memory), and a batch of 64 lines takes a fraction of a millisecond. The file is opened on
  // the first write (a run that fails before measuring leaves none), or at close.
  private flush(opening = false): void {
    if (this.pending.length === 0 && !opening) return;
    if (this.closed) throw new Error(`${this.file} is closed; no record can be added`);
    if (this.fd === undefined) {
      mkdirSync(dirname(this.file!), { recursive: true });
      this.fd = openSync(this.file!, 'w');
    }
    if (this.pending.length) writeSync(this.fd, this.pending.join('\n') + '\n');
    this.pending = [];
  }
}
