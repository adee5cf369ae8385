import OpenAI from 'openai';
import { loadProfile } from '../../server/profiles';
import { startMock } from '../helpers/mock-server';

/**
 * The served mock's prefix cache over real sockets, through the official SDK: a second conversation
 * with the same long system prompt reports its cached tokens in usage, gets its first token sooner,
 * and vLLM's prefix-cache counters count it; with prefix caching off nothing is cached.
 */
const SYSTEM = `You are a careful assistant for a bank. ${'Follow the policy below exactly. '.repeat(150)}`;

async function twoConversations(prefixCaching: boolean) {
  const profile = { ...loadProfile('llama-3.1-8b-h100'), prefix_caching: prefixCaching };
  const mock = await startMock({ profiles: [profile] });
  try {
    const client = new OpenAI({ baseURL: mock.baseURL, apiKey: 'x', maxRetries: 0 });
    const results: Array<{ cached: number; prompt: number; ttft_ms: number }> = [];
    for (const question of ['What is the overdraft fee?', 'How do I close an account?']) {
      const started = performance.now();
      let ttft_ms = 0;
      let usage: OpenAI.CompletionUsage | undefined;
      const stream = await client.chat.completions.create({ model: profile.model, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: question }], max_tokens: 5, stream: true, stream_options: { include_usage: true } });
      for await (const chunk of stream) {
        if (!ttft_ms && chunk.choices[0]?.delta?.content) ttft_ms = performance.now() - started;
        if (chunk.usage) usage = chunk.usage;
      }
      results.push({ cached: usage!.prompt_tokens_details!.cached_tokens!, prompt: usage!.prompt_tokens, ttft_ms });
    }
    const metrics = await (await fetch(`${mock.url}/metrics`)).text();
    const counter = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    return { results, hits: counter('vllm:prefix_cache_hits_total'), queries: counter('vllm:prefix_cache_queries_total'), cachedTotal: counter('vllm:prompt_tokens_cached_total') };
  } finally {
    await mock.close();
  }
}

test('a second conversation with the same system prompt finds it in the prefix cache: usage, TTFT and /metrics say so', async () => {
  const on = await twoConversations(true);
  const [first, second] = on.results;
  expect(first.cached).toBe(0);
  // Whole 16-token blocks of the shared system prompt (~1,000 tokens), short of the question.
  expect(second.cached % 16).toBe(0);
  expect(second.cached).toBeGreaterThan(900);
  expect(second.cached).toBeLessThan(second.prompt);
  expect(second.ttft_ms).toBeLessThan(first.ttft_ms);
  expect(on.hits).toBe(second.cached);
  expect(on.queries).toBe(first.prompt + second.prompt);
  expect(on.cachedTotal).toBe(second.cached);

  const off = await twoConversations(false);
  expect(off.results.map((result) => result.cached)).toEqual([0, 0]);
  expect(off.hits).toBe(0);
}, 30_000);
