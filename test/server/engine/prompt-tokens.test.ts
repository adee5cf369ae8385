import { BatchEngine, VirtualClock } from '../../../server/engine';
import { testEngineConfig } from '../../helpers/engine-config';
import { Rng } from '../../../common/random';

/** First-token time of one prompt of `counted` tokens (the served model's count), alone on the engine. */
function firstTokenOf(counted: number, promptTokenRatio: number, promptTokenOffset: number): number {
  const clock = new VirtualClock();
  // 2 ms a step plus 10 µs a prefilled token: the first token's time tells how many tokens were prefilled.
  const config = testEngineConfig({ stepSeconds: (shape) => 0.002 + 1e-5 * shape.prefillTokens, kvCapacityTokens: 16 * 1000, promptTokenRatio, promptTokenOffset });
  const engine = new BatchEngine(clock, config, new Rng(1));
  let first = NaN;
  engine.submit({ id: 'r', promptTokens: counted, outputTokens: 2 }, { onTokens: (_count, at) => Number.isNaN(first) && (first = at), onFinished() {} });
  clock.run();
  return first;
}

test("a calibrated twin prefills the endpoint's count of the prompt: ratio × tokens counted + offset, never under one token", () => {
  // A llama.cpp endpoint: 4.875 tokens per o200k token of text, its template 18 against tokenbench's 7.
  // A 32-token text counts 39 here: 4.875 × 39 − 16.1 = 174.025 → 174 tokens, 2 ms + 1.74 ms.
  expect(firstTokenOf(39, 4.875, -16.1)).toBeCloseTo(3.74, 9);
  expect(firstTokenOf(39, 1, 0)).toBeCloseTo(2.39, 9);
  // An offset larger than the prompt leaves one token to prefill.
  expect(firstTokenOf(2, 1, -50)).toBeCloseTo(2.01, 9);
});
