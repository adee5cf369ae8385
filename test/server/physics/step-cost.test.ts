import { findModel } from '../../../server/profiles/catalog';
import { loadProfile, isPhysicsProfile, parseProfile } from '../../../server/profiles/registry';
import { decodeShape, distinctExpertsTouched, kvBytesPerToken, kvCapacityTokens, prefillShape, specDecodeExpectedTokens, stepCost, tensorParallelCommSeconds, weightBytesRead, type PhysicsSetup } from '../../../server/profiles/step-cost';

// Every expected number below was worked out by hand (or on a calculator) from the formula the
// source cites, not by calling the code under test.

function physicsOf(name: string): PhysicsSetup {
  const profile = loadProfile(name);
  if (!isPhysicsProfile(profile)) throw new Error(`${name} is not a physics profile`);
  return profile.physics;
}

function composed(raw: Record<string, unknown>): PhysicsSetup {
  const profile = parseProfile(raw, 'test');
  if (!isPhysicsProfile(profile)) throw new Error('not physics');
  return profile.physics;
}

describe('KV cache bytes per token', () => {
  test('GQA: Llama-3.1-70B in BF16 stores 2 · 80 layers · 8 KV heads · 128 · 2 bytes = 327,680 bytes', () => {
    expect(kvBytesPerToken(findModel('llama-3.1-70b'), 'bf16')).toBe(327_680);
  });
  test('GQA: Llama-3.1-8B with an FP8 cache stores 2 · 32 · 8 · 128 · 1 = 65,536 bytes', () => {
    expect(kvBytesPerToken(findModel('llama-3.1-8b'), 'fp8')).toBe(65_536);
  });
  test('MLA: DeepSeek-V3 stores 61 layers · (512 latent + 64 RoPE) · bytes: 35,136 in FP8, 70,272 in BF16', () => {
    expect(kvBytesPerToken(findModel('deepseek-v3'), 'fp8')).toBe(35_136);
    expect(kvBytesPerToken(findModel('deepseek-v3'), 'bf16')).toBe(70_272);
  });
  test('KV capacity: Llama-3.1-8B BF16 on one H100 at 90%: (72 GB − 16.06 GB) / 131,072 B = 426,788 tokens', () => {
    expect(Math.floor(kvCapacityTokens(physicsOf('llama-3.1-8b-h100')))).toBe(426_788);
  });
});

describe('mixture of experts', () => {
  test('distinct experts touched: E·(1−(1−k/E)^T)', () => {
    expect(distinctExpertsTouched(256, 8, 1)).toBeCloseTo(8, 10);
    expect(distinctExpertsTouched(8, 2, 1)).toBeCloseTo(2, 10);
    expect(distinctExpertsTouched(256, 8, 64)).toBeCloseTo(222.4425, 3);
    expect(distinctExpertsTouched(256, 8, 100_000)).toBeCloseTo(256, 6);
    expect(distinctExpertsTouched(256, 8, 0)).toBe(0);
  });
  test('Mixtral-8x7B BF16 reads 3.2 GB shared + 2 experts × 11.275 GB at batch 1, and all 8 at batch 1,000', () => {
    const setup = physicsOf('mixtral-8x7b-h100x2');
    expect(weightBytesRead(setup, 1)).toBeCloseTo(25.75e9, -6);
    expect(weightBytesRead(setup, 1000)).toBeCloseTo(93.4e9, -6);
  });
});

describe('speculative decoding', () => {
  test('expected tokens per step (1−α^(γ+1))/(1−α): γ=4, α=0.7 gives 2.7731', () => {
    expect(specDecodeExpectedTokens(4, 0.7)).toBeCloseTo(2.7731, 4);
    expect(specDecodeExpectedTokens(4, 1)).toBe(5);
    expect(specDecodeExpectedTokens(4, 0)).toBe(1);
  });
});

describe('roofline step time', () => {
  const setup = physicsOf('llama-3.1-8b-h100');
  test('decode, batch 1 at context 1,000 on Llama-3.1-8B/H100: memory-bound, 6.9046 ms + 1.154 ms overhead = 8.0586 ms', () => {
    // LM head H = 128,256 × 4,096 = 525,336,576; body = 8.03e9 − 2H (untied) = 6.979327e9
    // linear: flops = 2 × body + 2 × H (one sampled token) = 15.00933e9 → 0.030353 ms; bytes = 16.06e9 + 131,072 written → 6.84867 ms
    // decode attention: flops = 4 × 32 × 4096 × 1000 = 0.524e9 → 0.00106 ms; bytes = 131,072 × 1,000 → 0.055894 ms
    // phases = 6.84867 + 0.055894 = 6.90456 ms; overhead = 32 layers × 32 µs + 126 µs + 1 × 4 µs = 1.154 ms
    const cost = stepCost(setup, decodeShape(setup, 1, 1000));
    expect(cost.phases.linear_s * 1000).toBeCloseTo(6.84867, 4);
    expect(cost.phases.decodeAttention_s * 1000).toBeCloseTo(0.055894, 5);
    expect(cost.phases.prefillAttention_s).toBe(0);
    expect(cost.compute_s * 1000).toBeCloseTo(0.0314128, 6);
    expect(cost.overhead_s * 1000).toBeCloseTo(1.154, 6);
    expect(cost.step_s * 1000).toBeCloseTo(8.05856, 4);
  });
  test('prefill of 4,096 tokens: compute-bound, the LM head once per sequence: 124.519 ms + 1.154 ms = 125.673 ms', () => {
    // linear flops = 2 × 6.979327e9 × 4096 + 2 × H × 1 = 5.717570e13 → 115.6232 ms (bytes: 7.077 ms)
    // prefill attention flops = 4 × 32 × 4096 × (4096 × 4097 / 2) = 4.399121e12 → 8.8961 ms
    const cost = stepCost(setup, prefillShape(4096, 0));
    expect(cost.phases.linear_s * 1000).toBeCloseTo(115.6232, 3);
    expect(cost.phases.prefillAttention_s * 1000).toBeCloseTo(8.8961, 3);
    expect(cost.memory_s).toBeLessThan(cost.compute_s);
    expect(cost.step_s * 1000).toBeCloseTo(125.673, 2);
  });
  test('a mixed step, 32 sequences decoding at context 2,000 beside a 512-token prefill chunk: each phase on its own roofline, 20.4245 ms', () => {
    // linear: 544 tokens, 33 sampled: flops = 2 × 6.979327e9 × 544 + 2 × H × 33 = 7.628180e12 → 15.42605 ms,
    //   compute-bound (bytes 16.06e9 + 131,072 × 544 → 6.87902 ms)
    // prefill attention: 4 × 32 × 4096 × (512 × 513 / 2) = 6.88533e10 flops → 0.139239 ms
    // decode attention: reads 131,072 × 64,000 B = 8.388608e9 → 3.577232 ms (its flops: 0.0679 ms)
    // overhead: 32 × 32 µs + 126 µs + 33 sequences × 4 µs = 1.282 ms
    // one roofline over the totals would say max(15.63, 10.46) + 1.282 = 16.92 ms: decode's memory traffic hidden under prefill's compute
    const shape = { ...decodeShape(setup, 32, 2000), prefillTokens: 512, prefillAttentionSum: (512 * 513) / 2, prefillSeqs: 1 };
    const cost = stepCost(setup, shape);
    expect(cost.phases.linear_s * 1000).toBeCloseTo(15.42605, 4);
    expect(cost.phases.prefillAttention_s * 1000).toBeCloseTo(0.139239, 5);
    expect(cost.phases.decodeAttention_s * 1000).toBeCloseTo(3.577232, 5);
    expect(cost.overhead_s * 1000).toBeCloseTo(1.282, 6);
    expect(cost.step_s * 1000).toBeCloseTo(20.4245, 3);
  });
  test('tied embeddings count the LM head once: Llama-3.2-1B runs 2 × (1.24e9 − 128,256 × 2,048) FLOPs per prefill token', () => {
    const small = composed({ kind: 'physics', hardware: 'h100-sxm', model: 'llama-3.2-1b' });
    // body = 1.24e9 − 262,668,288 = 977,331,712; 1,000 tokens: 2 × body × 1000 + 2 × 262,668,288 × 1 = 1,955,188,760,576
    const cost = stepCost(small, { ...prefillShape(1000, 0), prefillAttentionSum: 0 });
    expect(cost.flops).toBe(1_955_188_760_576);
  });
  test('batching amortises the weights: 64 sequences take far less than 64 single steps', () => {
    const one = stepCost(setup, decodeShape(setup, 1, 1000)).step_s;
    const sixtyFour = stepCost(setup, decodeShape(setup, 64, 1000)).step_s;
    expect(sixtyFour).toBeGreaterThan(one);
    expect(sixtyFour).toBeLessThan(4 * one);
  });
  test('tensor parallelism: 2 all-reduces × 80 layers × (16 KiB ÷ 450 GB/s + 8 µs) = 1.2858 ms for one token on TP2', () => {
    const tp2 = physicsOf('llama-3.3-70b-fp8-h100x2');
    expect(tensorParallelCommSeconds(tp2, 1) * 1000).toBeCloseTo(1.28583, 4);
    expect(tensorParallelCommSeconds({ ...tp2, devices: 1 }, 1)).toBe(0);
  });
  test('a draft model costs γ · c decode steps, c = its active parameters over the target\'s', () => {
    const withDraft = composed({ kind: 'physics', hardware: 'h100-sxm', model: 'llama-3.1-8b', spec_decode: { gamma: 4, acceptance: 0.7, draft_model: 'llama-3.2-1b' } });
    expect(withDraft.speculation!.draftCost).toBeCloseTo(1.24 / 8.03, 10);
    const cost = stepCost(withDraft, decodeShape(withDraft, 1, 1000));
    const plainSetup = { ...withDraft, speculation: undefined };
    const plain = stepCost(plainSetup, decodeShape(plainSetup, 1, 1000)); // one token per sequence
    expect(cost.draft_s).toBeCloseTo(4 * (1.24 / 8.03) * plain.step_s, 12);
  });
});
