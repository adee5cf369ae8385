import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { countChatPromptTokens, getTokenizer, type Tokenizer } from '../../common/text/tokenizer';
import { parseWriteStamp, performanceToMonotonic_ns, RECEIVED_HEADER } from '../../common/write-stamps';
import type { WorkloadRequest } from '../types/workload';
import { applyChunkTimings, emptyRecord } from '../metrics/record';
import type { RequestRecord } from '../types/record';

export type ApiKind = 'chat' | 'completions';

export interface ClientOptions {
  /** OpenAI base URL, e.g. http://127.0.0.1:8000/v1 */
  baseURL: string;
  model: string;
  api: ApiKind;
  apiKey?: string;
  /** Connections in the pool; size it to the concurrency. */
  connections: number;
  /** Deadline for a whole request, send to last byte (`--timeout`). */
  timeout_ms: number;
  /** Longest silence allowed while waiting for headers or the next bytes (`--idle-timeout`; default: the deadline). */
  idleTimeout_ms?: number;
  /** Send vLLM's ignore_eos/min_tokens so the output has the asked length. */
  fixOutputLength: boolean;
}

interface ContentChunk {
  at_ms: number;
  text: string;
  /** The server's write stamp for the read that carried it (targets that stamp; see write-stamps.ts). */
  written_ns?: bigint;
}

/**
 * A streaming OpenAI client built for measurement: undici's pool, SSE parsed incrementally, one
 * monotonic timestamp per network read, token counts from `usage` (or the tokenizer over the
 * whole text, never per chunk).
 */
export class StreamClient {
  private readonly dispatcher: Agent;
  private readonly tokenizer: Tokenizer = getTokenizer('o200k_base');
  private readonly url: string;
  /** What a chat template adds to a prompt sent as one user message (tokenbench's server counts it in usage). */
  private readonly userTurnTemplateTokens = countChatPromptTokens(this.tokenizer, [{ role: 'user', content: '' }]);

  constructor(private readonly options: ClientOptions) {
    this.dispatcher = new Agent({ connections: options.connections, pipelining: 1, keepAliveTimeout: 60_000 });
    this.url = `${options.baseURL.replace(/\/$/, '')}/${options.api === 'chat' ? 'chat/completions' : 'completions'}`;
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  /**
   * Opens `count` keep-alive connections before the clock starts (parallel GET /models), so that a
   * burst of scheduled sends does not pay for TCP set-up one after another.
   */
  async warmConnections(count: number): Promise<void> {
    const modelsUrl = this.url.replace(/\/(chat\/)?completions$/, '/models');
    const headers = this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {};
    await Promise.all(
      Array.from({ length: Math.min(count, this.options.connections) }, async () => {
        try {
          const response = await request(modelsUrl, { dispatcher: this.dispatcher, headers });
          await response.body.dump();
        } catch {
          // a target without /models still gets measured; the first sends then open their own connections
        }
      }),
    );
  }

  /** The request body, encoded; open-loop runs encode every body before the clock starts. */
  encode(work: WorkloadRequest): Buffer {
    return Buffer.from(this.body(work));
  }

  private body(work: WorkloadRequest): string {
    const common: Record<string, unknown> = { model: this.options.model, max_tokens: work.outputTokens, stream: true, stream_options: { include_usage: true } };
    if (this.options.fixOutputLength) Object.assign(common, { ignore_eos: true, min_tokens: work.outputTokens });
    if (this.options.api === 'chat') common.messages = work.messages ?? [{ role: 'user', content: work.prompt }];
    else common.prompt = work.prompt;
    return JSON.stringify(common);
  }

  /**
   * The prompt as tokenbench's own server counts this body (its usage.prompt_tokens): a text sent as a
   * chat message carries the template's tokens too; a workload's messages are counted with theirs.
   */
  private countedPromptTokens(work: WorkloadRequest): number {
    return this.options.api === 'chat' && !work.messages ? work.promptTokens + this.userTurnTemplateTokens : work.promptTokens;
  }

  private deferring = false;
  private deferred: Array<() => void> = [];

  /**
   * While on, tokenizing multi-token chunks (to credit each token its share of the gap) is put off to
   * idle moments (`attributeDeferred`), so an open-loop schedule is never delayed by analysis; a
   * request's `send` resolves once its record is complete. Turning it off attributes all that waits.
   */
  deferTokenAttribution(on: boolean): void {
    this.deferring = on;
    if (!on) this.attributeDeferred(Infinity);
  }

  /** Attributes waiting records until `until_ms` (performance.now()) has passed; returns how many wait still. */
  attributeDeferred(until_ms: number): number {
    while (this.deferred.length > 0 && performance.now() < until_ms) this.deferred.shift()!();
    return this.deferred.length;
  }

  /** Sends one request and measures it; never throws (failures are recorded). */
  async send(work: WorkloadRequest, scheduled_ms: number, runStart_ms: number, signal?: AbortSignal, encoded?: Buffer): Promise<RequestRecord> {
    const record = emptyRecord(work.index, scheduled_ms, work.promptTokens, work.outputTokens);
    record.requested_prompt_tokens = this.countedPromptTokens(work);
    const chunks: ContentChunk[] = [];
    let firstReasoning_ms: number | null = null;
    let usage: { prompt_tokens?: number; completion_tokens?: number; completion_tokens_details?: { reasoning_tokens?: number }; prompt_tokens_details?: { cached_tokens?: number } } | undefined;
    let streamError: string | null = null;
    let sawDone = false;
    let now_ms = 0;
    let writeStamp_ns: bigint | undefined;
    const parser = createParser({
      onComment: (comment) => {
        writeStamp_ns = parseWriteStamp(comment) ?? writeStamp_ns;
      },
      onEvent: (event: EventSourceMessage) => {
        if (event.data === '[DONE]') {
          sawDone = true;
          return;
        }
        let payload: Record<string, any>;
        try {
          payload = JSON.parse(event.data);
        } catch {
          streamError = 'bad_sse_json';
          return;
        }
        if (payload.error) {
          streamError = `stream_error: ${payload.error.message ?? 'unknown'}`;
          return;
        }
        if (payload.usage) usage = payload.usage;
        const choice = payload.choices?.[0];
        if (!choice) return;
        const text: string = choice.delta?.content ?? choice.text ?? '';
        const toolArgs: string = choice.delta?.tool_calls?.map((call: any) => call.function?.arguments ?? '').join('') ?? '';
        const reasoning: string = choice.delta?.reasoning_content ?? choice.delta?.reasoning ?? '';
        if (reasoning && firstReasoning_ms === null) firstReasoning_ms = now_ms;
        if (text || toolArgs) chunks.push({ at_ms: now_ms, text: text + toolArgs, written_ns: writeStamp_ns });
      },
    });

    const sent = performance.now();
    record.sent_ms = sent - runStart_ms;
    let received_ns: bigint | undefined;
    // The deadline covers the whole request; undici's own timeouts watch for silence.
    const deadline = AbortSignal.timeout(this.options.timeout_ms);
    const cancel = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const idle_ms = this.options.idleTimeout_ms ?? this.options.timeout_ms;
    try {
      const response = await request(this.url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) },
        body: encoded ?? this.body(work),
        headersTimeout: idle_ms,
        bodyTimeout: idle_ms,
        signal: cancel,
      });
      record.status = response.statusCode;
      const received = response.headers[RECEIVED_HEADER];
      if (typeof received === 'string') received_ns = BigInt(received);
      if (response.statusCode !== 200) {
        const failure = describeFailure(response.statusCode, await response.body.text());
        record.error = failure.kind;
        if (failure.message) record.error_message = failure.message;
        return record;
      }
      const contentType = String(response.headers['content-type'] ?? '');
      if (!contentType.includes('text/event-stream')) {
        // An HTML page (a proxy's login, a wrong path) or a whole JSON answer where a stream was asked for.
        const text = await response.body.text();
        record.error = `not_a_stream: ${contentType.split(';')[0] || 'no content-type'}`;
        record.error_message = snippet(text);
        return record;
      }
      const decoder = new TextDecoder();
      // 'data' events rather than async iteration: no promise per chunk, which matters at thousands of streams.
      await new Promise<void>((resolve, reject) => {
        response.body.on('data', (piece: Buffer) => {
          now_ms = performance.now() - sent;
          parser.feed(decoder.decode(piece, { stream: true }));
        });
        response.body.once('end', resolve);
        response.body.once('error', reject);
      });
      if (streamError) record.error = streamError;
      else if (!sawDone) record.error = 'stream_incomplete';
    } catch (error) {
      const name = (error as { code?: string; name?: string }).code ?? (error as Error).name;
      if (process.env.TOKENBENCH_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
      if (signal?.aborted) record.error = 'aborted';
      else if (deadline.aborted) record.error = 'timeout';
      else if (name === 'UND_ERR_HEADERS_TIMEOUT' || name === 'UND_ERR_BODY_TIMEOUT') record.error = 'idle_timeout';
      else {
        record.error = `connection: ${name}`;
        record.error_message = (error as Error).message;
      }
    }

    if (received_ns !== undefined) record.delivery = deliveryTimes(sent, received_ns, chunks);
    // TTFT is known at once; ok is final only after attribution (a no-content stream has no TTFT either way).
    record.ok = record.error === null && chunks.length > 0;
    if (record.error === null && chunks.length === 0) record.error = 'no_content';
    await this.finish(record, chunks, usage, firstReasoning_ms);
    return record;
  }

  /** Derives TTFT, per-token ITL, chunk gaps and E2EL from the timestamped chunks (docs/DESIGN.md §3). */
  private finish(record: RequestRecord, chunks: ContentChunk[], usage: any, firstReasoning_ms: number | null): Promise<void> | void {
    record.ttfrt_ms = firstReasoning_ms;
    if (usage?.prompt_tokens !== undefined) record.prompt_tokens = usage.prompt_tokens;
    if (typeof usage?.prompt_tokens_details?.cached_tokens === 'number') record.cached_tokens = usage.prompt_tokens_details.cached_tokens;
    record.reasoning_tokens = usage?.completion_tokens_details?.reasoning_tokens ?? 0;
    if (chunks.length === 0) {
      record.output_tokens = usage?.completion_tokens ?? 0;
      return;
    }
    const arrivals_ms = chunks.map((chunk) => chunk.at_ms);
    record.ttft_ms = arrivals_ms[0];
    record.e2el_ms = arrivals_ms[arrivals_ms.length - 1];
    const usageVisible = usage?.completion_tokens !== undefined ? usage.completion_tokens - record.reasoning_tokens : undefined;
    // Servers that send one token per chunk (the common case) need no tokenizing to attribute them.
    if (usageVisible === chunks.length) {
      record.output_tokens = usage.completion_tokens;
      applyChunkTimings(record, arrivals_ms, new Array<number>(chunks.length).fill(1));
      return;
    }
    const attribute = () => {
      const texts = chunks.map((chunk) => chunk.text);
      const visibleTokens = usageVisible ?? this.tokenizer.count(texts.join(''));
      record.output_tokens = usage?.completion_tokens ?? visibleTokens;
      applyChunkTimings(record, arrivals_ms, tokensPerChunk(this.tokenizer, texts, visibleTokens));
    };
    if (!this.deferring) return attribute();
    return new Promise<void>((resolve) =>
      this.deferred.push(() => {
        attribute();
        resolve();
      }),
    );
  }
}

/** A non-200 answer as an error kind (status and OpenAI error code) and the target's own message. */
export function describeFailure(status: number, body: string): { kind: string; message?: string } {
  let kind = `http_${status}`;
  let message: string | undefined;
  try {
    const error = JSON.parse(body).error;
    kind += `: ${error?.code ?? ''}`;
    message = typeof error?.message === 'string' ? error.message : typeof error === 'string' ? error : undefined;
  } catch {
    message = body.trim() ? snippet(body) : undefined;
  }
  return { kind, message };
}

/** The start of a body, on one line, for an error message. */
const snippet = (text: string): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
};

/** Where the time went, from a stamping server's monotonic clock (same machine only). */
function deliveryTimes(sent_ms: number, received_ns: bigint, chunks: readonly ContentChunk[]): NonNullable<RequestRecord['delivery']> {
  const sent_ns = performanceToMonotonic_ns(sent_ms);
  return {
    request_ms: Number(received_ns - sent_ns) / 1e6,
    chunks_ms: chunks.map((chunk) => (chunk.written_ns === undefined ? NaN : Number(performanceToMonotonic_ns(sent_ms + chunk.at_ms) - chunk.written_ns) / 1e6)),
  };
}

/**
 * How many tokens each chunk carried: tokenize the whole text once, then credit each token to the
 * chunk where it ends. Scaled to `total` when the server's count differs from the tokenizer's.
 */
export function tokensPerChunk(tokenizer: Tokenizer, texts: string[], total: number): number[] {
  const tokens = tokenizer.encode(texts.join(''));
  const chunkEnds: number[] = [];
  let offset = 0;
  for (const text of texts) chunkEnds.push((offset += text.length));
  const counts = new Array<number>(texts.length).fill(0);
  let position = 0;
  let chunk = 0;
  for (const token of tokens) {
    position += tokenizer.decode([token]).length;
    while (chunk < texts.length - 1 && position > chunkEnds[chunk]) chunk++;
    counts[chunk]++;
  }
  if (tokens.length === total || tokens.length === 0) return counts;
  const scale = total / tokens.length;
  return counts.map((count) => Math.max(1, Math.round(count * scale)));
}
