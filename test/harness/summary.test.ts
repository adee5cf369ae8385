import { percentile, percentileUnsorted, summarize } from '../../harness/metrics/percentiles';
import { summarizeRun, tpotOf } from '../../harness/metrics/summary';
import { tokensPerChunk } from '../../harness/client/stream-client';
import { getTokenizer } from '../../common/text/tokenizer';
import type { RequestRecord } from '../../harness/types/record';

test('percentiles interpolate between closest ranks like numpy', () => {
  const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  // rank = p/100 × (n − 1): p90 → 8.1 → 9 + 0.1 × (10 − 9) = 9.1
  expect(percentile(values, 90)).toBeCloseTo(9.1, 10);
  expect(percentile(values, 50)).toBeCloseTo(5.5, 10);
  expect(percentile(values, 99)).toBeCloseTo(9.91, 10);
  const summary = summarize([10, 0, 5]);
  expect(summary).toMatchObject({ count: 3, mean: 5, median: 5, min: 0, max: 10 });
});

test('a percentile by selection, of values in any order, equals the sorted one: ties, duplicates, one value, none', () => {
  expect(percentileUnsorted(Float64Array.from([10, 3, 7, 1, 9, 2, 8, 4, 6, 5]), 90)).toBeCloseTo(9.1, 10);
  expect(percentileUnsorted(Float64Array.from([4, 1, 3, 2]), 50)).toBe(2.5);
  expect(percentileUnsorted(Float64Array.from([7]), 50)).toBe(7);
  expect(percentileUnsorted(new Float64Array(0), 50)).toBeNaN();
  // Gaps as an engine's are: many equal steps, a few long ones, in any order (a fixed LCG, so it repeats).
  let state = 12345;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let trial = 0; trial < 50; trial++) {
    const values = Array.from({ length: 1 + Math.floor(next() * 300) }, () => (next() < 0.7 ? 5 : Math.round(next() * 200)));
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [0, 10, 50, 90, 99, 100]) expect(percentileUnsorted(Float64Array.from(values), p)).toBe(percentile(sorted, p));
  }
});

function record(partial: Partial<RequestRecord>): RequestRecord {
  return { id: 0, scheduled_ms: 0, sent_ms: 0, ttft_ms: 100, ttfrt_ms: null, itl_ms: [], chunk_gaps_ms: [], e2el_ms: 1000, prompt_tokens: 10, output_tokens: 10, reasoning_tokens: 0, requested_output_tokens: 10, ok: true, error: null, status: 200, ...partial };
}

test('TPOT is (e2el − ttft)/(tokens − 1); goodput counts requests meeting every SLO', () => {
  expect(tpotOf(record({}))).toBeCloseTo(100, 10); // (1000 − 100) / 9
  const records = [record({}), record({ ttft_ms: 900 }), record({ ok: false, error: 'http_500', ttft_ms: null, e2el_ms: null })];
  const summary = summarizeRun(records, 2, { ttft_ms: 500 });
  expect(summary.completed).toBe(2);
  expect(summary.failed).toBe(1);
  expect(summary.errors).toEqual({ http_500: 1 });
  expect(summary.goodput).toBeCloseTo(0.5, 10); // one good request over 2 s
  expect(summary.output_throughput).toBeCloseTo(10, 10); // 20 tokens over 2 s
});

test('tokens are credited to the chunk where they end, so multi-token chunks count right', () => {
  const tokenizer = getTokenizer('o200k_base');
  expect(tokensPerChunk(tokenizer, ['Hello', ' world and', ' more'], 4)).toEqual([1, 2, 1]);
});
