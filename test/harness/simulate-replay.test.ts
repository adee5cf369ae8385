import { simulateOnVirtualClock } from '../../harness/simulate/simulate';
import { parseWorkload } from '../../harness/workload';
import { parseProfile } from '../../server/profiles';

// 1 ms a step plus 1 ms a token: a lone prompt's step lasts about as many ms as its tokens.
const profile = parseProfile({ kind: 'fitted', model: 'm', step_ms: { fixed: 1, per_sequence: 0, memory_floor: 0, compute_per_token: 1 } }, 'replay');

function firstWave(workerStarts_ms?: number[]) {
  const outcome = simulateOnVirtualClock(profile, parseWorkload('synthetic:prompt=100,output=4', 1), { pattern: { kind: 'closed', concurrency: 2 }, requests: 2, warmup: 0, seed: 1, ...(workerStarts_ms ? { workerStarts_ms } : {}) });
  return outcome.records.map((record) => ({ sent_ms: record.sent_ms, ttft_ms: record.ttft_ms! }));
}

test("a replayed closed loop starts its workers when the measured ones started: a prompt a few ms behind another waits for that one's step", () => {
  // At one instant both prompts share the first step, and their first tokens come together.
  const together = firstWave();
  expect(together.map((request) => request.sent_ms)).toEqual([0, 0]);
  expect(together[1].ttft_ms).toBeCloseTo(together[0].ttft_ms, 9);
  // 3 ms apart, as a client sends them: the first prefills alone; the second joins the next step.
  const staggered = firstWave([0, 3]);
  expect(staggered.map((request) => request.sent_ms)).toEqual([0, 3]);
  expect(staggered[0].ttft_ms).toBeLessThan(together[0].ttft_ms * 0.6);
  expect(staggered[1].ttft_ms + 3).toBeGreaterThan(staggered[0].ttft_ms * 1.9);
});
