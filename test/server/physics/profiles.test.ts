import { builtinProfileNames, describeKind, isPhysicsProfile, loadProfile, parseProfile } from '../../../server/profiles/registry';
import { profileFromOptions } from '../../../server/profiles/compose';
import { hardwareCatalog, modelCatalog } from '../../../server/profiles/catalog';
import { activeParams } from '../../../server/profiles/step-cost';

describe('catalogs and built-in profiles', () => {
  test('the catalogs hold the hardware and models the issue names, each with a source', () => {
    const hardware = ['h100-sxm', 'h200', 'a100-80g', 'b200', 'mi300x', 'groq-lpu', 'cerebras-wse3', 'apple-a17-pro', 'apple-m2-ultra', 'apple-m3-max', 'snapdragon-8-gen3', 'cpu-generic'];
    const models = ['llama-3.1-8b', 'llama-3.1-70b', 'llama-3.1-405b', 'llama-3.2-1b', 'llama-3.2-3b', 'mixtral-8x7b', 'deepseek-v3', 'grok-1', 'qwen3-30b-a3b', 'gpt-oss-120b', 'apple-on-device-3b', 'frontier-moe-3t'];
    for (const id of hardware) expect(hardwareCatalog().get(id)?.source).toMatch(/.{20}/);
    for (const id of models) expect(modelCatalog().get(id)?.source).toMatch(/.{20}/);
    expect(modelCatalog().get('deepseek-v3')?.mla).toBeDefined();
    expect(modelCatalog().get('frontier-moe-3t')?.params_B).toBe(3000);
  });

  test("active parameters follow from the routed share: DeepSeek-V3 ≈ 37B, Mixtral ≈ 12.9B, Qwen3-30B-A3B ≈ 3.3B", () => {
    expect(activeParams(modelCatalog().get('deepseek-v3')!) / 1e9).toBeCloseTo(37.5, 0);
    expect(activeParams(modelCatalog().get('mixtral-8x7b')!) / 1e9).toBeCloseTo(12.9, 0);
    expect(activeParams(modelCatalog().get('qwen3-30b-a3b')!) / 1e9).toBeCloseTo(3.3, 0);
  });

  test('every built-in profile loads; physics ones span both architectures, three hardware classes and reasoning', () => {
    const profiles = builtinProfileNames().map((name) => loadProfile(name));
    expect(new Set(profiles.map((profile) => profile.kind))).toEqual(new Set(['empirical', 'physics']));
    const physics = profiles.filter(isPhysicsProfile);
    expect(new Set(physics.map((profile) => profile.architecture))).toEqual(new Set(['dense', 'moe']));
    for (const hardwareClass of ['gpu', 'lpu', 'device']) expect(physics.map((profile) => profile.hardware_class)).toContain(hardwareClass);
    // gpt-oss-120b thinks and is a mixture of experts: one kind says both now.
    const gptOss = physics.find((profile) => profile.name === 'gpt-oss-120b-reasoning')!;
    expect(gptOss.architecture).toBe('moe');
    expect(gptOss.reasoning).toBeDefined();
  });

  test('the older kinds (dense, moe, lpu, device, reasoning) still load as physics, with a deprecation warning once per profile', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const old = parseProfile({ kind: 'reasoning', hardware: 'h100-sxm', model: 'gpt-oss-120b' }, 'old-reasoning');
      parseProfile({ kind: 'reasoning', hardware: 'h100-sxm', model: 'gpt-oss-120b' }, 'old-reasoning');
      const moe = parseProfile({ kind: 'moe', hardware: 'h100-sxm', gpus: 2, model: 'mixtral-8x7b' }, 'old-moe');
      if (!isPhysicsProfile(old) || !isPhysicsProfile(moe)) throw new Error('physics expected');
      expect([old.kind, old.architecture, moe.architecture]).toEqual(['physics', 'moe', 'moe']);
      expect(old.reasoning?.default_effort).toBe('medium');
      expect(describeKind(old)).toBe('moe, gpu, reasoning');
      const warnings = emitWarning.mock.calls.map(([message]) => String(message));
      expect(warnings.filter((text) => text.includes('"old-reasoning": kind: reasoning is deprecated'))).toHaveLength(1);
      expect(warnings.some((text) => text.includes('"old-moe": kind: moe is deprecated; use kind: physics'))).toBe(true);
      expect(emitWarning.mock.calls[0][1]).toMatchObject({ type: 'DeprecationWarning', code: 'TOKENBENCH_PROFILE_KIND' });
    } finally {
      emitWarning.mockRestore();
    }
  });

  test('a model that does not fit names both sizes', () => {
    expect(() => profileFromOptions({ hardware: 'h100-sxm', model: 'llama-3.1-70b' }, 'chatty')).toThrow(/141\.2 GB.*72\.0 GB/);
    expect(() => profileFromOptions({ hardware: 'h100-sxm', model: 'llama-3.1-70b', gpus: 2 }, 'chatty')).not.toThrow();
  });

  test('composition flags build a profile from catalog ids, and override a named one', () => {
    const composed = profileFromOptions({ hardware: 'h200', model: 'mixtral-8x7b', weights: 'fp8', specDecode: 'gamma=3,accept=0.6', maxNumSeqs: 32 }, 'chatty');
    if (!isPhysicsProfile(composed)) throw new Error('physics expected');
    expect([composed.kind, composed.architecture, composed.hardware_class]).toEqual(['physics', 'moe', 'gpu']);
    expect(composed.model).toBe('mixtral-8x7b');
    expect(composed.physics).toMatchObject({ hardwareId: 'h200', weights: 'fp8', maxNumSeqs: 32, speculation: { gamma: 3, acceptance: 0.6 } });
    const thinking = profileFromOptions({ profile: 'llama-3.1-8b-h100', reasoning: 'effort=high' }, 'chatty');
    expect(thinking.kind).toBe('physics');
    expect(thinking.reasoning?.default_effort).toBe('high');
    expect(() => profileFromOptions({ hardware: 'h100-sxm' }, 'chatty')).toThrow(/--hardware ID and --model ID/);
    expect(() => profileFromOptions({ hardware: 'h100-sxm', model: 'llama-3.1-8b', specDecode: 'gamma=4' }, 'chatty')).toThrow(/accept=/);
  });

  test('a profile can describe hardware and model inline instead of by id, and an older kind is checked against the catalogs', () => {
    const inline = parseProfile(
      {
        kind: 'physics',
        model: { params_B: 1, layers: 8, hidden: 1024, heads: 8, kv_heads: 8, head_dim: 128 },
        served_model_name: 'tiny',
        hardware: { kind: 'gpu', memory_GB: 24, mem_bw_GBps: 1000, peak_tflops: { bf16: 100 }, mfu: 0.5, mbu: 0.7 },
      },
      'inline',
    );
    expect(inline.model).toBe('tiny');
    expect(() => parseProfile({ kind: 'moe', hardware: 'h100-sxm', model: 'llama-3.1-8b' }, 'x')).toThrow(/dense, not a mixture/);
    expect(() => parseProfile({ kind: 'lpu', hardware: 'h100-sxm', model: 'llama-3.1-8b' }, 'x')).toThrow(/not an LPU/);
    expect(() => parseProfile({ kind: 'dense', hardware: 'h100-sxm', model: 'llama-9' }, 'x')).toThrow(/unknown model "llama-9"/);
  });
});
