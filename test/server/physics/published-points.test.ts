import { predict } from '../../../server/profiles/predict';
import { isPhysicsProfile, loadProfile } from '../../../server/profiles/registry';

/** Within ±25% of a published figure (the bar the physics issue sets). */
function expectWithin25(predicted: number, published: number): void {
  expect(predicted).toBeGreaterThanOrEqual(published * 0.75);
  expect(predicted).toBeLessThanOrEqual(published * 1.25);
}

describe('published serving figures are predicted within ±25%', () => {
  test('Groq LPU, Llama-2-70B, one user: ~300 tok/s and TTFT 0.2–0.3 s', () => {
    const figures = predict(loadProfile('groq-llama-2-70b'), { batch: 1, promptTokens: 1000, outputTokens: 200 });
    expectWithin25(figures.decode_tokens_per_s, 300);
    expect(figures.ttft_ms).toBeGreaterThanOrEqual(200 * 0.75);
    expect(figures.ttft_ms).toBeLessThanOrEqual(300 * 1.25);
  });

  test('Groq LPU with speculative decoding: ~1,660 tok/s', () => {
    const figures = predict(loadProfile('groq-llama-70b-specdec'), { batch: 1, promptTokens: 1000, outputTokens: 200 });
    expectWithin25(figures.decode_tokens_per_s, 1660);
  });

  test("Apple's ~3B on-device model on an iPhone 15 Pro: ~30 tok/s and ~0.6 ms per prompt token", () => {
    const profile = loadProfile('iphone-15-pro');
    expectWithin25(predict(profile, { batch: 1, promptTokens: 100, outputTokens: 100 }).decode_tokens_per_s, 30);
    expectWithin25(predict(profile, { batch: 1, promptTokens: 1000, outputTokens: 100 }).prefill_ms / 1000, 0.6);
  });

  test('DeepSeek-V3 in production (full batch): 20–22 tok/s per user', () => {
    const profile = loadProfile('deepseek-v3-h800x16');
    if (!isPhysicsProfile(profile)) throw new Error('physics expected');
    const figures = predict(profile, { batch: profile.physics.maxNumSeqs, promptTokens: 1000, outputTokens: 500 });
    expectWithin25(figures.decode_tokens_per_s, 21);
  });

  test('Llama-3.3-70B FP8 on 2×H100 (TP2), one user, 5,000-token prompt: TTFT ~407 ms, ITL ~18.6 ms', () => {
    const figures = predict(loadProfile('llama-3.3-70b-fp8-h100x2'), { batch: 1, promptTokens: 5000, outputTokens: 200 });
    expectWithin25(figures.ttft_ms, 407);
    expectWithin25(figures.tpot_ms, 18.6);
  });
});
