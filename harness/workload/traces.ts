import { readWorkloadFile } from './datasets';
import { Rng, mixSeeds } from '../../common/random';
import { generateTokenPieces } from '../../common/text/generator';
import { getTokenizer, type Tokenizer } from '../../common/text/tokenizer';
import type { RequestShape, Workload, WorkloadRequest } from '../types/workload';

/** One row of a production trace: when it arrived and how long its prompt and answer were. */
export interface TraceRow {
  at_ms: number;
  inputTokens: number;
  outputTokens: number;
  /** Mooncake: ids of the prompt's 512-token blocks; equal ids mean a shared prefix. */
  hashIds?: number[];
}

export type TraceFormat = 'azure' | 'burstgpt' | 'mooncake';

export interface TraceOptions {
  /** Rows to skip from the start of the file. */
  start: number;
  limit: number;
  /** Divide recorded gaps by this. */
  speedup: number;
}

function csvRows(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim().length > 0)
    .map((line) => line.split(',').map((cell) => cell.trim()));
}

/** `2023-11-16 18:17:03.9799600` → ms since the epoch, keeping the sub-millisecond digits. */
export function parseAzureTimestamp(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?/.exec(text);
  if (!match) throw new Error(`bad Azure trace timestamp "${text}"`);
  const [, year, month, day, hour, minute, second, fraction = '0'] = match;
  const whole_ms = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  return whole_ms + Number(`0.${fraction}`) * 1000;
}

/** Reads a trace file into rows (Azure 2023/2024 CSV, BurstGPT CSV, Mooncake JSONL). */
export function readTrace(format: TraceFormat, path: string): TraceRow[] {
  const text = readWorkloadFile(path, format);
  if (format === 'mooncake') {
    return text
      .split('\n')
      .map((line, index) => [line, index] as const)
      .filter(([line]) => line.trim())
      .map(([line, index]) => {
        let row: { timestamp?: unknown; input_length?: unknown; output_length?: unknown; hash_ids?: number[] };
        try {
          row = JSON.parse(line);
        } catch (error) {
          throw new Error(`${path}:${index + 1}: not JSON (${(error as Error).message})`);
        }
        return { at_ms: Number(row.timestamp), inputTokens: Number(row.input_length), outputTokens: Number(row.output_length), hashIds: row.hash_ids };
      });
  }
  const [header, ...rows] = csvRows(text);
  const column = (name: string) => {
    const index = header.findIndex((cell) => cell.toLowerCase() === name.toLowerCase());
    if (index < 0) throw new Error(`${format} trace ${path}: no column "${name}" (header: ${header.join(', ')})`);
    return index;
  };
  if (format === 'azure') {
    const [time, input, output] = [column('TIMESTAMP'), column('ContextTokens'), column('GeneratedTokens')];
    return rows.map((row) => ({ at_ms: parseAzureTimestamp(row[time]), inputTokens: Number(row[input]), outputTokens: Number(row[output]) }));
  }
  const [time, input, output] = [column('Timestamp'), column('Request tokens'), column('Response tokens')];
  return rows.map((row) => ({ at_ms: Number(row[time]) * 1000, inputTokens: Number(row[input]), outputTokens: Number(row[output]) }));
}

const MOONCAKE_BLOCK_TOKENS = 512;

/**
 * Replays a trace: each row becomes a request sent at its recorded time (relative to the first
 * replayed row, divided by `speedup`) with prompt and output lengths as recorded. Mooncake rows build
 * their prompts from per-block text, so rows sharing `hash_ids` share a real prefix.
 */
export class TraceWorkload implements Workload {
  readonly timed = true;
  private readonly rows: TraceRow[];
  private readonly tokenizer: Tokenizer = getTokenizer('o200k_base');
  private readonly blockText = new Map<number, string>();

  constructor(
    private readonly format: TraceFormat,
    private readonly path: string,
    private readonly options: TraceOptions,
    private readonly seed: number,
  ) {
    this.rows = readTrace(format, path).slice(options.start, options.start + options.limit);
  }

  get size(): number {
    return this.rows.length;
  }

  get description(): string {
    return `${this.format} trace ${this.path} (rows ${this.options.start}..${this.options.start + this.rows.length - 1}, speedup ${this.options.speedup})`;
  }

  /** Send time of row `index`, ms after the run starts. */
  arrival_ms(index: number): number {
    return (this.rows[index].at_ms - this.rows[0].at_ms) / this.options.speedup;
  }

  shape(index: number): RequestShape {
    const row = this.rows[index];
    const shape: RequestShape = { index, promptTokens: Math.max(1, row.inputTokens), outputTokens: Math.max(1, row.outputTokens), at_ms: this.arrival_ms(index) };
    if (row.hashIds?.length) shape.sharedBlocks = { blockTokens: MOONCAKE_BLOCK_TOKENS, hashes: row.hashIds.map((id, position) => this.blockKey(row, id, position)) };
    return shape;
  }

  /** A block's identity as its text is built: a partial last block is its hash and its length (blockPrompt's key). */
  private blockKey(row: TraceRow, id: number, position: number): number {
    const ids = row.hashIds!;
    const tokens = position === ids.length - 1 ? Math.max(1, row.inputTokens - MOONCAKE_BLOCK_TOKENS * (ids.length - 1)) : MOONCAKE_BLOCK_TOKENS;
    return id * 1024 + (tokens === MOONCAKE_BLOCK_TOKENS ? 0 : tokens);
  }

  request(index: number): WorkloadRequest {
    const row = this.rows[index];
    const rng = new Rng(this.seed).fork(index);
    const prompt = row.hashIds?.length ? this.blockPrompt(row) : generateTokenPieces(this.tokenizer, Math.max(1, row.inputTokens), rng.fork('text')).join('');
    return { index, prompt, promptTokens: row.hashIds?.length ? this.tokenizer.count(prompt) : Math.max(1, row.inputTokens), outputTokens: Math.max(1, row.outputTokens), at_ms: this.arrival_ms(index) };
  }

  private blockPrompt(row: TraceRow): string {
    const ids = row.hashIds!;
    return ids
      .map((id, position) => {
        const tokens = position === ids.length - 1 ? Math.max(1, row.inputTokens - MOONCAKE_BLOCK_TOKENS * (ids.length - 1)) : MOONCAKE_BLOCK_TOKENS;
        const key = this.blockKey(row, id, position);
        let text = this.blockText.get(key);
        if (text === undefined) {
          text = generateTokenPieces(this.tokenizer, tokens, new Rng(mixSeeds(this.seed, 'block', id))).join('');
          this.blockText.set(key, text);
        }
        return text;
      })
      .join(' ');
  }
}
