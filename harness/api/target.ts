import { request } from 'undici';
import { startServer, type RunningServer } from '../../server';
import { DEFAULT_PROFILE } from '../../server/profiles';
import type { TargetOptions } from './options';

/** An endpoint ready to be measured: the embedded mock (started here) or a real one. */
export interface Target {
  baseURL: string;
  model: string;
  /** The key is used for requests and never written to any output. */
  apiKey?: string;
  /** Set when the embedded mock serves it. */
  profile?: string;
  /** `owned_by` of the model in the target's /models (`tokenbench` for the mock). */
  servedBy?: string;
  description: string;
  close(): Promise<void>;
}

/** The target's served models (id and owner), from GET /models. */
async function listModels(baseURL: string, apiKey?: string): Promise<Array<{ id: string; owned_by?: string }>> {
  const url = `${baseURL.replace(/\/$/, '')}/models`;
  const response = await request(url, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} }).catch((error: Error) => {
    throw new Error(`cannot reach the target ${baseURL} (GET ${url}: ${error.message})`);
  });
  const body = (await response.body.json().catch(() => ({}))) as { data?: Array<{ id: string; owned_by?: string }> };
  if (response.statusCode !== 200 || !body.data?.length) throw new Error(`cannot list models at ${baseURL}/models (HTTP ${response.statusCode})`);
  return body.data;
}

/** Opens the target: starts the embedded mock when no URL is given, and picks the model to ask for. */
export async function openTarget(options: TargetOptions & { seed?: number }): Promise<Target> {
  let embedded: RunningServer | undefined;
  let baseURL = options.target;
  const profile = options.profile ?? DEFAULT_PROFILE;
  if (!baseURL) {
    embedded = await startServer({ port: 0, profiles: [profile], seed: options.seed ?? 0, defaultMetrics: false });
    baseURL = embedded.baseURL;
  }
  try {
    const models = options.model && options.target ? await listModels(baseURL, options.apiKey).catch(() => []) : await listModels(baseURL, options.apiKey);
    const model = options.model ?? models[0].id;
    return {
      baseURL,
      model,
      apiKey: options.apiKey,
      profile: embedded ? (typeof profile === 'string' ? profile : profile.name) : undefined,
      // A tokenbench mock says so in /models; compare frames such runs as the modeled side.
      servedBy: models.find((entry) => entry.id === model)?.owned_by,
      description: options.target ?? 'embedded mock',
      close: async () => embedded?.close(),
    };
  } catch (error) {
    await embedded?.close();
    throw error;
  }
}
