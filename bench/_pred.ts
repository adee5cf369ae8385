import { loadProfile, builtinProfileNames } from '../server/profiles/registry';
import { predict } from '../server/profiles/predict';
for (const name of builtinProfileNames()) {
  try {
    const p = loadProfile(name);
    for (const [b, P, O] of [[1, 1000, 200], [1,5000,200], [32, 1000, 200], [256, 2000, 400], [512, 2000, 400]] as const) {
      const r = predict(p, { batch: b, promptTokens: P, outputTokens: O });
      console.log(name.padEnd(28), b, P, 'ttft', r.ttft_ms.toFixed(1), 'tpot', r.tpot_ms.toFixed(2), 'tok/s', r.decode_tokens_per_s.toFixed(1), 'ctx', p.context_length);
    }
  } catch (e) { console.log(name, (e as Error).message); }
}
