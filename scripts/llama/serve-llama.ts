/**
 * A real inference engine behind an OpenAI-compatible endpoint: llama.cpp (through the node-llama-cpp
 * package, whose CPU build ships inside it) serving a GGUF with several parallel sequences, the way
 * llama.cpp's own server runs slots. tokenbench did not write the engine: calibrating against it tests
 * calibration on something that is not tokenbench's own physics.
 *
 *   node -r ts-node/register/transpile-only scripts/llama/serve-llama.ts [--model FILE.gguf] [--port 0] [--sequences 4] [--threads 2]
 *
 * Without --model it writes the random-weight tiny Llama of write-gguf.ts to the temp folder first.
 * Prints `listening on http://127.0.0.1:PORT` once it serves.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { TINY_LLAMA, writeTinyLlamaGguf } from './write-gguf';

const wholeNumber = (flag: string, least = 0) => (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < least) throw new InvalidArgumentError(`${flag} must be a whole number ≥ ${least}, got "${value}"`);
  return number;
};

interface Sequence {
  evaluate(tokens: unknown[], options: Record<string, unknown>): AsyncGenerator<unknown>;
}

/** A free-list of llama.cpp sequences (llama-server's slots): a request waits for one, FIFO. */
class SlotPool {
  private waiting: Array<(sequence: Sequence) => void> = [];
  constructor(private free: Sequence[]) {}
  acquire(): Promise<Sequence> {
    const sequence = this.free.pop();
    return sequence ? Promise.resolve(sequence) : new Promise((resolve) => this.waiting.push(resolve));
  }
  release(sequence: Sequence) {
    const next = this.waiting.shift();
    if (next) next(sequence);
    else this.free.push(sequence);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

function sendError(response: ServerResponse, status: number, message: string) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ error: { message, type: 'invalid_request_error', code: null } }));
}

async function main() {
  const options = new Command()
    .option('--model <file>', 'GGUF file (default: write the random-weight tiny Llama)')
    .option('--port <n>', 'port (0 = any free one)', wholeNumber('--port'), 0)
    .option('--sequences <n>', 'parallel sequences (slots)', wholeNumber('--sequences', 1), 4)
    .option('--threads <n>', 'CPU threads for llama.cpp (1 on a 2-core machine: a second thread contends with this server and the harness)', wholeNumber('--threads', 1), 1)
    .option('--context <n>', 'context tokens per sequence', wholeNumber('--context', 1), 4096)
    .option('--name <id>', 'served model id', 'tiny-llama')
    .parse()
    .opts<{ model?: string; port: number; sequences: number; threads: number; context: number; name: string }>();
  const modelPath = options.model ?? join(tmpdir(), `tokenbench-tiny-llama-${TINY_LLAMA.embedding}x${TINY_LLAMA.layers}.gguf`);
  if (!options.model && !existsSync(modelPath)) writeTinyLlamaGguf(modelPath);
  if (!existsSync(modelPath)) throw new Error(`--model: no such file ${modelPath}`);

  // node-llama-cpp is an ES module, installed beside this script (scripts/llama/package.json, by
  // `npm test`'s pretest): imported dynamically from this CommonJS script, by a name TypeScript does
  // not resolve, so the project type-checks before it is installed.
  const packageName = 'node-llama-cpp';
  const { getLlama } = (await import(packageName)) as { getLlama(options: Record<string, unknown>): Promise<any> };
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  const model = await llama.loadModel({ modelPath });
  // Batches as llama.cpp's own server fills them (tools/server, update_slots): every generating slot's
  // next token first, then prompt tokens slot by slot in arrival order until n_batch is full.
  // (node-llama-cpp's default instead shares each batch among all pending prompts.)
  // llama-server decodes every generating slot in each batch. node-llama-cpp starts its next batch as
  // soon as one batch ends, with whatever is queued: a slot whose token was sampled in that batch has
  // not queued its next one yet, so two generating slots ran in turns, one token a batch (at 2 requests
  // every decode batch held a single token, and TPOT at 2 exceeded TPOT at 3). So a batch of decode
  // tokens only waits, briefly (the other slots' next tokens are a few microtasks away), for every
  // generating slot; a prompt never waits.
  let generating = 0;
  let holdingSince: number | undefined;
  const HOLD_MS = 2;
  // Slots that a new request took, to be emptied before the next batch is built (see clearBetweenBatches).
  const pendingClears: Array<() => void> = [];
  const serverOrder = ({ items, size }: { items: readonly { tokens: readonly unknown[] }[]; size: number }) => {
    for (const clear of pendingClears.splice(0)) clear();
    let left = size;
    const decode = items.filter((item) => item.tokens.length === 1);
    const prompts = items.filter((item) => item.tokens.length > 1);
    if (prompts.length === 0 && decode.length < generating) {
      holdingSince ??= performance.now();
      if (performance.now() - holdingSince < HOLD_MS) return [];
    }
    holdingSince = undefined;
    const plan: Array<{ item: (typeof items)[number]; processAmount: number }> = [];
    for (const item of [...decode, ...prompts]) {
      if (left <= 0) break;
      const amount = Math.min(left, item.tokens.length);
      plan.push({ item, processAmount: amount });
      left -= amount;
    }
    return plan;
  };
  const context = await model.createContext({
    sequences: options.sequences,
    contextSize: options.context * options.sequences,
    threads: options.threads,
    batchSize: 512,
    batching: { itemPrioritizationStrategy: serverOrder as never },
  });
  const pool = new SlotPool(Array.from({ length: options.sequences }, () => context.getSequence() as unknown as Sequence));
  const eos = model.tokens.eos;

  // llama-server empties a slot that takes a new task between two batches (update_slots:
  // llama_memory_seq_rm). node-llama-cpp's clearHistory instead waits for the context lock, which its
  // batch loop holds for as long as any token is queued: under load a new request waited until another
  // one ended (700 ms at 4 requests), so prompts queued in waves no serving engine has. So the slot's
  // cells are removed at the next batch boundary (serverOrder runs there, inside that lock), or under
  // the lock once the loop is idle, whichever comes first; node-llama-cpp 3.22's own state of the
  // sequence is reset with them (the version is pinned in scripts/llama/package.json).
  // The lock registry must be node-llama-cpp's own copy of lifecycle-utils: resolved from its folder.
  const lockModule = createRequire(join(__dirname, 'node_modules', 'node-llama-cpp', 'package.json')).resolve('lifecycle-utils');
  const { withLock } = (await import(pathToFileURL(lockModule).href)) as { withLock(scope: readonly unknown[], callback: () => void): Promise<void> };
  const clearBetweenBatches = (sequence: Sequence) =>
    new Promise<void>((resolve) => {
      let cleared = false;
      const clear = () => {
        if (cleared) return;
        cleared = true;
        const state = sequence as unknown as { _context: { _ctx: { disposeSequence(id: number): void } }; _sequenceId: number; _contextTokens: unknown[]; _nextTokenIndex: number };
        state._context._ctx.disposeSequence(state._sequenceId);
        state._contextTokens = [];
        state._nextTokenIndex = 0;
        resolve();
      };
      pendingClears.push(clear);
      void withLock([context, 'context'], clear);
    });

  async function generate(request: IncomingMessage, response: ServerResponse, kind: 'chat' | 'completions') {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(request));
    } catch {
      return sendError(response, 400, 'request body is not valid JSON');
    }
    const prompt =
      kind === 'chat'
        ? (Array.isArray(body.messages) ? body.messages : []).map((message: { role?: string; content?: unknown }) => `${message.role}: ${typeof message.content === 'string' ? message.content : JSON.stringify(message.content)}\n`).join('') + 'assistant: '
        : String(body.prompt ?? '');
    const maxTokens = Number(body.max_tokens ?? body.max_completion_tokens ?? 16);
    if (!Number.isInteger(maxTokens) || maxTokens < 1) return sendError(response, 400, 'max_tokens must be a positive integer');
    const tokens = model.tokenize(prompt);
    if (tokens.length + maxTokens > options.context) return sendError(response, 400, `prompt (${tokens.length} tokens) plus max_tokens exceeds the context of ${options.context}`);
    const stream = body.stream === true;
    const ignoreEos = body.ignore_eos === true;
    const id = `cmpl-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (text: string, finish: string | null, first: boolean) =>
      kind === 'chat'
        ? { id, object: 'chat.completion.chunk', created, model: options.name, choices: [{ index: 0, delta: first ? { role: 'assistant', content: text } : { content: text }, finish_reason: finish }] }
        : { id, object: 'text_completion', created, model: options.name, choices: [{ index: 0, text, finish_reason: finish }] };

    let closed = false;
    response.on('close', () => (closed = true));
    const sequence = await pool.acquire();
    let text = '';
    let count = 0;
    let finish = 'length';
    let counted = false;
    const stopCounting = () => {
      if (counted) generating--;
      counted = false;
    };
    try {
      await clearBetweenBatches(sequence);
      if (stream) response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      for await (const token of sequence.evaluate(tokens, { temperature: 0 })) {
        if (!counted) generating++;
        counted = true;
        if (closed) break;
        if (token === eos && !ignoreEos) {
          finish = 'stop';
          stopCounting();
          break;
        }
        const piece = model.detokenize([token as never]);
        count++;
        text += piece;
        if (stream) response.write(`data: ${JSON.stringify(chunk(piece, null, count === 1))}\n\n`);
        if (count >= maxTokens) {
          stopCounting();
          break;
        }
      }
    } finally {
      stopCounting();
      pool.release(sequence);
    }
    const usage = { prompt_tokens: tokens.length, completion_tokens: count, total_tokens: tokens.length + count };
    if (closed) return;
    if (stream) {
      response.write(`data: ${JSON.stringify(chunk('', finish, false))}\n\n`);
      const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
      if (streamOptions?.include_usage) response.write(`data: ${JSON.stringify({ id, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created, model: options.name, choices: [], usage })}\n\n`);
      response.end('data: [DONE]\n\n');
    } else {
      const choice = kind === 'chat' ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: finish } : { index: 0, text, finish_reason: finish };
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id, object: kind === 'chat' ? 'chat.completion' : 'text_completion', created, model: options.name, choices: [choice], usage }));
    }
  }
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && (path === '/health' || path === '/v1/health')) return response.end('{"status":"ok"}');
    if (request.method === 'GET' && path === '/v1/models') {
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(JSON.stringify({ object: 'list', data: [{ id: options.name, object: 'model', created: 0, owned_by: 'llama.cpp' }] }));
    }
    if (request.method === 'POST' && path === '/v1/chat/completions') return void generate(request, response, 'chat').catch((error) => sendError(response, 500, String(error)));
    if (request.method === 'POST' && path === '/v1/completions') return void generate(request, response, 'completions').catch((error) => sendError(response, 500, String(error)));
    sendError(response, 404, `no route ${request.method} ${path}`);
  });
  server.listen(options.port, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    console.log(`listening on http://127.0.0.1:${address.port} (llama.cpp, ${options.sequences} sequences, ${options.threads} threads, ${modelPath})`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  console.error(`serve-llama: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
