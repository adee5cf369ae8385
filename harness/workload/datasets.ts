import { readFileSync } from 'node:fs';
import { parseDistribution, sampleCount, type Distribution } from '../../common/distributions';
import { Rng } from '../../common/random';
import { generateTokenPieces } from '../../common/text/generator';
import { countChatPromptTokens, getTokenizer, type Tokenizer } from '../../common/text/tokenizer';
import type { ChatMessage, RequestShape, Workload, WorkloadRequest } from '../types/workload';

export type DatasetFormat = 'sharegpt' | 'jsonl' | 'openai-chat';

/** One dataset entry before lengths are settled: text or messages, and the answer length if the data says. */
interface DatasetRow {
  prompt?: string;
  messages?: ChatMessage[];
  promptTokens?: number;
  outputTokens?: number;
}

export interface DatasetOptions {
  /** Answer length for rows that do not give one. */
  output: Distribution;
}

/** `sharegpt:FILE;output=lognormal(256,0.6)` → the file and its options (`;` because paths may hold commas). */
export function parseDatasetSpec(body: string): { path: string; options: DatasetOptions } {
  const [path, ...parts] = body.split(';');
  const options: DatasetOptions = { output: { dist: 'constant', value: 256 } };
  for (const part of parts) {
    const [key, value] = part.split('=');
    if (key !== 'output' || value === undefined) throw new Error(`dataset workload: unknown option "${part}" (output=DIST)`);
    options.output = parseDistribution(value);
  }
  if (!path) throw new Error('dataset workload: give the file, e.g. sharegpt:data/ShareGPT_V3.json');
  return { path, options };
}

const textOf = (content: unknown): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((part) => (part as { text?: string }).text ?? '').join('') : '';

function lines(text: string, path: string): unknown[] {
  return text
    .split('\n')
    .map((line, index) => [line.trim(), index] as const)
    .filter(([line]) => line.length > 0)
    .map(([line, index]) => {
      try {
        return JSON.parse(line);
      } catch (error) {
        throw new Error(`${path}:${index + 1}: not JSON (${(error as Error).message})`);
      }
    });
}

/** A workload file's text; a missing or unreadable file is an error naming it and the workload kind. */
export function readWorkloadFile(path: string, kind: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`--workload ${kind}:${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : (error as Error).message}`);
  }
}

function parseJsonFile(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message})`);
  }
}

/** ShareGPT: the first human turn is the prompt; the reply after it, when present, sets the answer length (vLLM's rule). */
function sharegptRows(raw: unknown, tokenizer: Tokenizer, path: string): DatasetRow[] {
  if (!Array.isArray(raw)) throw new Error(`${path}: a ShareGPT file is a JSON array of {conversations: [...]}`);
  const rows: DatasetRow[] = [];
  for (const entry of raw) {
    const turns: Array<{ from?: string; role?: string; value?: string; content?: string }> = entry?.conversations ?? entry?.conversation ?? [];
    const first = turns.findIndex((turn) => ['human', 'user'].includes(turn.from ?? turn.role ?? ''));
    if (first < 0) continue;
    const prompt = turns[first].value ?? turns[first].content ?? '';
    const reply = turns[first + 1];
    if (!prompt.trim()) continue;
    rows.push({ prompt, outputTokens: reply ? Math.max(1, tokenizer.count(reply.value ?? reply.content ?? '')) : undefined });
  }
  return rows;
}

/** JSONL of prompts (`prompt`/`text`) or of lengths (`prompt_tokens`/`input_length`, `output_tokens`/`output_length`/`max_tokens`). */
function jsonlRows(entries: unknown[], path: string): DatasetRow[] {
  return entries.map((entry, index) => {
    const row = entry as Record<string, unknown>;
    const prompt = typeof row.prompt === 'string' ? row.prompt : typeof row.text === 'string' ? row.text : undefined;
    const promptTokens = Number(row.prompt_tokens ?? row.input_length ?? row.input_tokens ?? NaN);
    const outputTokens = Number(row.output_tokens ?? row.output_length ?? row.max_tokens ?? NaN);
    if (prompt === undefined && !Number.isFinite(promptTokens)) throw new Error(`${path}: row ${index + 1}: a jsonl workload line needs "prompt" (text) or "prompt_tokens" (a length)`);
    return { prompt, promptTokens: Number.isFinite(promptTokens) ? promptTokens : undefined, outputTokens: Number.isFinite(outputTokens) ? outputTokens : undefined };
  });
}

/** OpenAI chat JSONL: request bodies (`{messages, max_tokens}`), bare or as Batch API lines (`{body: {...}}`). */
function openaiChatRows(entries: unknown[], path: string): DatasetRow[] {
  return entries.map((entry, index) => {
    const line = entry as { body?: Record<string, unknown> } & Record<string, unknown>;
    const body = (line.body ?? line) as { messages?: Array<{ role: string; content: unknown }>; max_tokens?: number; max_completion_tokens?: number };
    if (!Array.isArray(body.messages) || body.messages.length === 0) throw new Error(`${path}: row ${index + 1}: an openai-chat workload line needs "messages"`);
    const messages = body.messages.map((message) => ({ role: message.role, content: textOf(message.content) }));
    const outputTokens = body.max_completion_tokens ?? body.max_tokens;
    return { messages, outputTokens };
  });
}

/** Prompts from a dataset file, in file order; lengths from the data, else from `output`. */
export class DatasetWorkload implements Workload {
  private readonly rows: DatasetRow[];
  private readonly tokenizer = getTokenizer('o200k_base');

  constructor(
    readonly format: DatasetFormat,
    private readonly path: string,
    private readonly options: DatasetOptions,
    private readonly seed: number,
  ) {
    const text = readWorkloadFile(path, format);
    this.rows =
      format === 'sharegpt' ? sharegptRows(parseJsonFile(text, path), this.tokenizer, path)
      : format === 'jsonl' ? jsonlRows(lines(text, path), path)
      : openaiChatRows(lines(text, path), path);
    if (this.rows.length === 0) throw new Error(`${path}: no usable rows for ${format}`);
  }

  get size(): number {
    return this.rows.length;
  }

  get description(): string {
    return `${this.format} dataset ${this.path} (${this.rows.length} prompts)`;
  }

  private outputTokens(index: number): number {
    return this.rows[index].outputTokens ?? sampleCount(this.options.output, new Rng(this.seed).fork(index).fork('output'), 1);
  }

  shape(index: number): RequestShape {
    const row = this.rows[index];
    const promptTokens =
      row.promptTokens ?? (row.messages ? countChatPromptTokens(this.tokenizer, row.messages) : this.tokenizer.count(row.prompt ?? ''));
    return { index, promptTokens: Math.max(1, promptTokens), outputTokens: Math.max(1, this.outputTokens(index)) };
  }

  request(index: number): WorkloadRequest {
    const row = this.rows[index];
    const shape = this.shape(index);
    if (row.messages) return { ...shape, prompt: row.messages.map((message) => message.content).join('\n'), messages: row.messages };
    // Rows that give only a length get corpus text of exactly that many tokens.
    const prompt = row.prompt ?? generateTokenPieces(this.tokenizer, shape.promptTokens, new Rng(this.seed).fork(index).fork('text')).join('');
    return { ...shape, prompt };
  }
}
