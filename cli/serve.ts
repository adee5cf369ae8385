import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { startServer } from '../server';
import { describePinning, pinEventLoopThread } from '../common/cpu-pin';
import { DEFAULT_PROFILE, hasComposition, hasServingOptions, loadProfile, withServingOptions } from '../server/profiles';
import { addCompositionOptions, profileFromOptions } from './profile-options';
import { nonNegativeInteger, nonNegativeSeconds, port } from './flag-parsers';

/** `--config FILE`: the same settings as the flags, as YAML; flags and environment win over it. */
const serveConfigSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).optional(),
  host: z.string().optional(),
  profiles: z.array(z.string()).optional(),
  profile: z.string().optional(),
  seed: z.number().int().optional(),
  api_key: z.string().optional(),
  mode: z.enum(['generate', 'echo', 'scripted']).optional(),
  fixtures: z.string().optional(),
  stamp_writes: z.boolean().optional(),
  pin_cpu: z.number().int().min(0).optional(),
  lora: z.array(z.string().min(1)).optional(),
});

/** The --config file, checked: a malformed file or an unknown key (a typo such as `api-key:`) is an error naming the file. */
function readServeConfig(path: string): z.infer<typeof serveConfigSchema> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`--config ${path}: ${(error as Error).message}`);
  }
  const parsed = serveConfigSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const known = Object.keys(serveConfigSchema.shape).join(', ');
  const issues = parsed.error.issues.map((issue) => (issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')} (known: ${known})` : `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  throw new Error(`--config ${path}: ${issues.join('; ')}`);
}

/** `--lora a,b`: adapter names, none empty. */
function loraNames(text: string): string[] {
  const names = text.split(',').map((name) => name.trim());
  if (names.some((name) => !name)) throw new Error(`--lora: "${text}" has an empty adapter name (give NAME[,NAME...])`);
  return names;
}

export function serveCommand(): Command {
  const command = new Command('serve')
    .description('start the OpenAI-compatible mock server')
    .addOption(new Option('--port <port>', 'port to listen on').env('TOKENBENCH_PORT').argParser(port))
    .addOption(new Option('--host <host>', 'address to bind').env('TOKENBENCH_HOST'))
    .addOption(new Option('--profile <name|file...>', 'latency profile(s): built-in name or YAML/JSON file; one served model each').env('TOKENBENCH_PROFILE'))
    .addOption(new Option('--config <file>', 'YAML file with the same settings').env('TOKENBENCH_CONFIG'))
    .addOption(new Option('--seed <n>', 'seed for text, lengths and sampled latencies').env('TOKENBENCH_SEED').argParser(nonNegativeInteger))
    .addOption(new Option('--api-key <key>', 'require Authorization: Bearer KEY').env('TOKENBENCH_API_KEY'))
    .addOption(new Option('--mode <mode>', 'answer text: generate (corpus), echo (repeat the prompt) or scripted (--fixtures)').choices(['generate', 'echo', 'scripted']).env('TOKENBENCH_MODE'))
    .addOption(new Option('--fixtures <file>', 'scripted mode rules (YAML: rules: [{contains|regex, response|tool_call}])').env('TOKENBENCH_FIXTURES'))
    .addOption(new Option('--pin-cpu <n>', "Linux: run the server's event loop alone on this CPU, its helper threads on the others").env('TOKENBENCH_PIN_CPU').argParser(nonNegativeInteger))
    .addOption(new Option('--lora <names>', 'LoRA adapters the (first) model also serves, as extra model ids: NAME[,NAME...]').env('TOKENBENCH_LORA').argParser(loraNames))
    .addOption(new Option('--drain-timeout <s>', 'on SIGTERM or Ctrl-C: seconds the streams in flight may take to finish before they are cut').env('TOKENBENCH_DRAIN_TIMEOUT').argParser(nonNegativeSeconds).default(30))
    .addOption(new Option('--stamp-writes', 'stamp receive and write times (monotonic ns) on streams, so a client on this machine can split latency into server and delivery').env('TOKENBENCH_STAMP_WRITES'));
  return addCompositionOptions(command).action(async (options) => {
      const config = options.config ? readServeConfig(options.config) : {};
      // Comma lists as the README documents (`--profile a,b`, TOKENBENCH_PROFILE=a,b), as well as repeated names.
      const profileOption: string[] | undefined = options.profile === undefined ? undefined : ([] as string[]).concat(options.profile).flatMap((entry) => entry.split(',')).map((name) => name.trim()).filter(Boolean);
      const named = profileOption ?? config.profiles ?? (config.profile ? [config.profile] : undefined);
      // Composition flags describe one physics profile (built on the first --profile when one is named).
      const chosen = hasComposition(options) ? [profileFromOptions({ ...options, profile: named?.[0] }, DEFAULT_PROFILE)] : (named ?? [DEFAULT_PROFILE]);
      // --no-prefix-caching, --replicas, --router and disaggregation apply to every served model.
      const profiles = hasServingOptions(options) ? chosen.map((profile) => withServingOptions(typeof profile === 'string' ? loadProfile(profile) : profile, options)) : chosen;
      const pinCpu = options.pinCpu ?? config.pin_cpu;
      const pinned = pinCpu === undefined ? undefined : await pinEventLoopThread(pinCpu);
      const running = await startServer({
        port: options.port ?? config.port ?? 8000,
        host: options.host ?? config.host ?? '127.0.0.1',
        profiles,
        seed: options.seed ?? config.seed ?? 0,
        apiKey: options.apiKey ?? config.api_key,
        mode: options.mode ?? config.mode,
        fixturesPath: options.fixtures ?? config.fixtures,
        stampWrites: Boolean(options.stampWrites ?? config.stamp_writes),
        lora: options.lora ?? config.lora,
      });
      process.stdout.write(`tokenbench mock listening on ${running.url}\n  OpenAI base URL: ${running.baseURL}\n  models: ${[...running.context.models.keys()].join(', ')}\n`);
      if (pinned) process.stdout.write(`  ${describePinning(pinned)}\n`);
      // SIGTERM (Kubernetes, docker stop) or Ctrl-C: drain the streams in flight, bounded; a second signal cuts them.
      let draining = false;
      const shutdown = (signal: NodeJS.Signals) => {
        if (draining) {
          process.stderr.write(`tokenbench mock: ${signal} again: closing every connection now\n`);
          void running.close().then(() => process.exit(0));
          return;
        }
        draining = true;
        process.stderr.write(`tokenbench mock: ${signal}: no new requests (503); letting the streams in flight finish, up to ${options.drainTimeout} s\n`);
        void running.drain(options.drainTimeout * 1000).then(({ finished, cut }) => {
          process.stderr.write(`tokenbench mock: drained: ${finished} request(s) finished${cut ? `, ${cut} cut at the ${options.drainTimeout} s drain timeout` : ''}; exiting\n`);
          process.exit(0);
        });
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    });
}
