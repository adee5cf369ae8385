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
  const text = await response.body.text().catch(() => '');
  let body: { data?: Array<{ id: string; owned_by?: string }>; error?: { message?: string } } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // an HTML page or plain text: the status and the hint say enough
  }
  if (response.statusCode !== 200 || !body.data?.length) {
    const said = body.error?.message ? `: ${body.error.message}` : !text.trim().startsWith('{') && text.trim() ? ` (not JSON: ${text.trim().slice(0, 80)})` : '';
    throw new Error(`cannot list models at ${url} (HTTP ${response.statusCode}${said})${targetHint(baseURL, response.statusCode)}`);
  }
  return body.data;
}

/** What to try when the target answers 401/403 (the key) or 404 (the base URL's path). */
export function targetHint(baseURL: string, status: number): string {
  if (status === 401 || status === 403) return '; the target wants an API key: set OPENAI_API_KEY, or name the variable holding it with --api-key-env NAME';
  if (status === 404 && !/\/v\d+\/?$/.test(new URL(baseURL).pathname)) return `; OpenAI-compatible servers serve under /v1: try --target ${baseURL.replace(/\/$/, '')}/v1`;
  return '';
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
