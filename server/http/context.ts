import type { Rng } from '../../common/random';
import type { ScriptedResponder } from '../openai/scripted';
import type { ResponseMode } from '../openai/plan';
import type { ServedModel } from '../openai/served-model';
import type { ServerMetrics } from './metrics';
import type { ResponseStore } from '../openai/response-store';

/** What the HTTP layer's handlers share. */
export interface ServerContext {
  models: Map<string, ServedModel>;
  metrics: ServerMetrics;
  seed: number;
  faultRng: Rng;
  mode: ResponseMode;
  scripted?: ScriptedResponder;
  apiKey?: string;
  /** Responses kept for previous_response_id and GET/DELETE /v1/responses/{id}. */
  responses: ResponseStore;
  /** Stamp receive and write times on streamed responses (bench:harness splits latency with them). */
  stampWrites: boolean;
  /** Set while shutting down: new requests get 503, those in flight finish. */
  draining?: boolean;
}
