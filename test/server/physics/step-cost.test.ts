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
    // bytes = 16.06e9 weights + 131,072 × 1,001 KV = 16.1912e9; ÷ (3.35 TB/s × 0.7) = 6.9046 ms
    // flops = 2 × 8.03e9 + 4 × 32 × 4096 × 1000 = 16.584e9; ÷ (989 TFLOPS × 0.5) = 0.0335 ms
    // overhead = 32 layers × 32 µs + 126 µs + 1 × 4 µs = 1.154 ms
    const cost = stepCost(setup, decodeShape(setup, 1, 1000));
    expect(cost.memory_s * 1000).toBeCloseTo(6.9046, 3);
    expect(cost.compute_s * 1000).toBeCloseTo(0.033537, 5);
    expect(cost.overhead_s * 1000).toBeCloseTo(1.154, 6);
    expect(cost.step_s * 1000).toBeCloseTo(8.0586, 3);
  });
  test('prefill of 4,096 tokens: compute-bound, 141.92 ms + 1.154 ms = 143.08 ms', () => {
    // flops = 2 × 8.03e9 × 4096 + 4 × 32 × 4096 × (4096 × 4097 / 2) = 7.0189e13; ÷ 4.945e14 = 141.92 ms
    const cost = stepCost(setup, prefillShape(4096, 0));
    expect(cost.compute_s * 1000).toBeCloseTo(141.923, 2);
    expect(cost.memory_s).toBeLessThan(cost.compute_s);
    expect(cost.step_s * 1000).toBeCloseTo(143.077, 2);
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
