import { positiveInteger } from './flag-parsers';
import { Command, Option } from 'commander';
import { activeParams, builtinProfileNames, DEFAULT_PROFILE, describeKind, hardwareCatalog, isPhysicsProfile, kvBytesPerToken, loadProfile, modelCatalog, predict, type Prediction, type Profile } from '../server/profiles';
import { addCompositionOptions, profileFromOptions } from './profile-options';
import { formatTable } from './table';

const print = (json: boolean, value: unknown, table: () => string) => process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : table());

/** The figures `tokenbench profiles` and the README table quote: one user, 1,000-token prompt, 200-token answer. */
export const PROFILE_FIGURE_WORKLOAD = { batch: 1, promptTokens: 1000, outputTokens: 200 } as const;

export interface ProfileRow {
  name: string;
  kind: string;
  /** Catalog hardware id (null for empirical and fitted profiles). */
  hardware: string | null;
  gpus: number | null;
  model: string;
  served_model: string;
  description: string;
  ttft_ms: number;
  decode_tokens_per_s: number;
}

export function profileRow(profile: Profile): ProfileRow {
  const figures = predict(profile, PROFILE_FIGURE_WORKLOAD);
  const physics = isPhysicsProfile(profile) ? profile.physics : undefined;
  return {
    name: profile.name,
    kind: describeKind(profile),
    hardware: physics ? physics.hardwareId : null,
    gpus: physics ? physics.devices : null,
    model: physics ? physics.modelId : profile.model,
    served_model: profile.model,
    description: profile.description ?? '',
    ttft_ms: figures.ttft_ms,
    decode_tokens_per_s: figures.decode_tokens_per_s,
  };
}

/** `2× h100-sxm`, or a dash for profiles without hardware. */
export const hardwareText = (row: ProfileRow): string => (row.hardware ? `${row.gpus}× ${row.hardware}` : '—');

export function profilesCommand(): Command {
  return new Command('profiles')
    .description('list the built-in profiles with their predicted TTFT and tokens/s (1 user, 1,000-token prompt)')
    .option('--json', 'JSON output')
    .action((options) => {
      const rows = builtinProfileNames().map((name) => profileRow(loadProfile(name)));
      print(options.json, rows, () =>
        formatTable(
          ['profile', 'kind', 'hardware', 'model', 'TTFT ms', 'tok/s', 'description'],
          rows.map((row) => [row.name, row.kind, hardwareText(row), row.model, row.ttft_ms, row.decode_tokens_per_s, row.description]),
        ),
      );
    });
}

export function hardwareCommand(): Command {
  return new Command('hardware')
    .description('list the hardware catalog (per device)')
    .option('--json', 'JSON output')
    .action((options) => {
      const entries = [...hardwareCatalog()].map(([id, spec]) => ({ id, ...spec }));
      print(options.json, entries, () =>
        formatTable(
          ['id', 'kind', 'memory GB', 'bandwidth GB/s', 'BF16/FP16 TFLOPS', 'FP8 TFLOPS', 'description'],
          entries.map((entry) => [entry.id, entry.kind, entry.memory_GB, entry.mem_bw_GBps, entry.peak_tflops.bf16 ?? entry.peak_tflops.fp16 ?? 0, entry.peak_tflops.fp8 ?? 0, entry.description]),
        ),
      );
    });
}

export function modelsCommand(): Command {
  return new Command('models')
    .description('list the model catalog')
    .option('--json', 'JSON output')
    .action((options) => {
      const entries = [...modelCatalog()].map(([id, spec]) => ({
        id,
        ...spec,
        active_params_B: activeParams(spec) / 1e9,
        kv_bytes_per_token_bf16: kvBytesPerToken(spec, 'bf16'),
      }));
      print(options.json, entries, () =>
        formatTable(
          ['id', 'params B', 'active B', 'layers', 'hidden', 'experts', 'KV KiB/token (bf16)'],
          entries.map((entry) => [entry.id, entry.params_B, entry.active_params_B, entry.layers, entry.hidden, entry.moe ? `${entry.moe.top_k} of ${entry.moe.experts}` : 'dense', entry.kv_bytes_per_token_bf16 / 1024]),
        ),
      );
    });
}

export function predictCommand(): Command {
  const command = new Command('predict')
    .description('analytic TTFT / TPOT / E2EL for one request in a steady batch')
    .addOption(new Option('--profile <name|file>', `profile (default ${DEFAULT_PROFILE})`))
    .option('--batch <n>', 'sequences decoding together', positiveInteger, 1)
    .option('--prompt-tokens <n>', 'prompt length', positiveInteger, 1000)
    .option('--output-tokens <n>', 'answer length', positiveInteger, 200)
    .addOption(new Option('--reasoning-effort <effort>', 'reasoning models: effort').choices(['minimal', 'low', 'medium', 'high']))
    .option('--json', 'JSON output');
  addCompositionOptions(command);
  return command.action((options) => {
    const profile = profileFromOptions(options, DEFAULT_PROFILE);
    const prediction: Prediction = predict(profile, {
      batch: options.batch,
      promptTokens: options.promptTokens,
      outputTokens: options.outputTokens,
      reasoningEffort: options.reasoningEffort,
    });
    print(options.json, prediction, () =>
      formatTable(
        ['profile', 'batch', 'prompt', 'output', 'ttft_ms', 'tpot_ms', 'e2el_ms', 'decode_tokens_per_s', 'aggregate tok/s'],
        [[prediction.profile, prediction.batch, prediction.prompt_tokens, prediction.output_tokens, prediction.ttft_ms, prediction.tpot_ms, prediction.e2el_ms, prediction.decode_tokens_per_s, prediction.aggregate_tokens_per_s]],
      ),
    );
    for (const warning of prediction.warnings) process.stderr.write(`warning: ${warning}\n`);
  });
}
