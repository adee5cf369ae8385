/**
 * npm run bench:harness — how precisely the harness measures. Against a mock (own process) whose
 * timing is exactly known (TTFT 200 ms, ITL 20 ms), at 1, 100 and 1,000 concurrent streams it prints
 * the measurement error (measured − true) of TTFT and per-token ITL, median and p99, and the
 * harness's CPU time per 1,000 tokens. The 1-stream row is the baseline the others compare to.
 */
import { StreamClient } from '../harness/client/stream-client';
import { runLoad } from '../harness/load/runner';
import { summarize } from '../harness/metrics/percentiles';
import { SyntheticWorkload } from '../harness/workload/synthetic';
import { startMockProcess } from '../test/helpers/mock-process';

const TRUE_TTFT_MS = 200;
const TRUE_ITL_MS = 20;
const OUTPUT_TOKENS = Number(process.env.BENCH_OUTPUT_TOKENS ?? 50);

(async () => {
  const mock = await startMockProcess(['--profile', 'constant']);
  try {
    console.log(`stream count | TTFT error median / p99 (ms) | ITL error median / p99 (ms) | CPU ms per 1,000 tokens | tokens`);
    for (const streams of [1, 100, 1000]) {
      const client = new StreamClient({ baseURL: mock.baseURL, model: 'constant-model', api: 'chat', connections: streams, timeout_ms: 120_000, fixOutputLength: true });
      const workload = new SyntheticWorkload({ prompt: { dist: 'constant', value: 32 }, output: { dist: 'constant', value: OUTPUT_TOKENS }, prefix: 0 }, 1);
      const cpuBefore = process.cpuUsage();
      const outcome = await runLoad(client, workload, { pattern: { kind: 'closed', concurrency: streams }, requests: Math.max(streams * 3, 20), warmup: 1, seed: 1 }, new AbortController().signal);
      const cpu = process.cpuUsage(cpuBefore);
      await client.close();
      const ok = outcome.records.filter((record) => record.ok);
      const tokens = ok.reduce((sum, record) => sum + record.output_tokens, 0);
      const ttftError = summarize(ok.map((record) => record.ttft_ms! - TRUE_TTFT_MS));
      const itlError = summarize(ok.flatMap((record) => record.itl_ms.map((gap) => Math.abs(gap - TRUE_ITL_MS))));
      const cpuPer1k = ((cpu.user + cpu.system) / 1000 / tokens) * 1000;
      console.log(
        `${String(streams).padStart(12)} | ${ttftError.median.toFixed(2).padStart(8)} / ${ttftError.p99.toFixed(2).padEnd(8)} | ${itlError.median.toFixed(2).padStart(8)} / ${itlError.p99.toFixed(2).padEnd(8)} | ${cpuPer1k.toFixed(1).padStart(10)} | ${tokens}${ok.length < outcome.records.length ? ` (${outcome.records.length - ok.length} failed)` : ''}`,
      );
    }
    console.log('(error = measured − true; ITL error is |gap − 20 ms| per token; it includes the mock\'s own write lag, which bench:server reports)');
  } finally {
    await mock.close();
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
