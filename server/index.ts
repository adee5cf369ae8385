import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type ServerResponse, type Server } from 'node:http';
import { Rng } from '../common/random';
import { RealClock } from './engine/clock';
import { createRequestListener } from './http/app';
import type { ServerContext } from './http/context';
import { ServerMetrics } from './http/metrics';
import { ScriptedResponder } from './openai/scripted';
import type { ResponseMode } from './openai/plan';
import { createServedModels } from './openai/served-model';
import { ResponseStore } from './openai/response-store';
import { loadProfile, type Profile } from './profiles/registry';

export interface ServeOptions {
  port?: number;
  host?: string;
  /** Profile names, files, or already-parsed profiles; one model each. */
  profiles: Array<string | Profile>;
  seed?: number;
  apiKey?: string;
  mode?: ResponseMode;
  fixturesPath?: string;
  /** Process-level metrics (heap, event-loop lag) on /metrics; off in tests that make many servers. */
  defaultMetrics?: boolean;
  /** LoRA adapters the first profile's engine also serves, as extra model ids (vLLM's --lora-modules). */
  lora?: string[];
  /** Stamp each response with the machine's monotonic clock (see `common/write-stamps.ts`). */
  stampWrites?: boolean;
}

export interface RunningServer {
  url: string;
  /** The OpenAI base URL, `${url}/v1`. */
  baseURL: string;
  port: number;
  context: ServerContext;
  clock: RealClock;
  server: Server;
  close(): Promise<void>;
  /**
   * A graceful shutdown: stops accepting connections, answers new requests on open ones with 503,
   * lets the streams in flight finish for up to `timeout_ms`, then closes whatever is left.
   */
  drain(timeout_ms: number): Promise<{ finished: number; cut: number }>;
}

/** Starts the mock: profiles → engines on one real clock → request listener → listening socket. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const seed = options.seed ?? 0;
  if (options.mode === 'scripted' && !options.fixturesPath) throw new Error('scripted mode answers from rules: give them with --fixtures FILE (YAML: rules: [{contains|regex, response|tool_call}])');
  const loaded = options.profiles.map((profile) => (typeof profile === 'string' ? loadProfile(profile) : profile));
  const profiles = options.lora?.length ? loaded.map((profile, index) => (index === 0 ? { ...profile, lora: [...profile.lora, ...options.lora!] } : profile)) : loaded;
  const clock = new RealClock();
  const metrics = new ServerMetrics({ defaultMetrics: options.defaultMetrics });
  const context: ServerContext = {
    models: createServedModels(profiles, clock, seed),
    metrics,
    seed,
    faultRng: new Rng(seed).fork('faults'),
    mode: options.mode ?? (options.fixturesPath ? 'scripted' : 'generate'),
    scripted: options.fixturesPath ? ScriptedResponder.fromFile(options.fixturesPath) : undefined,
    apiKey: options.apiKey,
    stampWrites: options.stampWrites ?? false,
    responses: new ResponseStore(),
  };
  for (const profile of profiles) metrics.profileInfo.set({ model_name: profile.model, profile: profile.name, kind: profile.kind }, 1);
  // Every model's series exist (at 0) from the first scrape, as vLLM's do.
  for (const model of context.models.values()) {
    if (model.adapter) continue; // an adapter runs on its base model's engine, counted under its name
    metrics.forModel(model.id);
    model.engine.onStep = (tokens, step_ms) => metrics.observeStep(model.id, tokens, step_ms / 1000);
  }
  const server = createServer(createRequestListener(context));
  const active = new Set<ServerResponse>();
  server.on('request', (_request, response: ServerResponse) => {
    active.add(response);
    response.once('close', () => active.delete(response));
  });
  server.listen(options.port ?? 8000, options.host ?? '127.0.0.1');
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // streams may legitimately run for minutes
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    port: address.port,
    context,
    clock,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    drain: async (timeout_ms) => {
      context.draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const before = active.size;
      const deadline = Date.now() + timeout_ms;
      while (active.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const cut = active.size;
      server.closeAllConnections();
      await closed;
      return { finished: before - cut, cut };
    },
  };
}

export { loadProfile } from './profiles/registry';
