export interface ChatMessage {
  role: string;
  content: string;
}

/** One request a workload wants sent. */
export interface WorkloadRequest {
  index: number;
  /** The prompt text: the user message (chat API) or the prompt (completions API). */
  prompt: string;
  /** A whole conversation (OpenAI chat datasets); the chat API sends it instead of `prompt`. */
  messages?: ChatMessage[];
  /** Tokens the prompt text has, by the workload's tokenizer. */
  promptTokens: number;
  /** Output length to ask for (max_tokens with ignore_eos). */
  outputTokens: number;
  /** For traces: when to send it, ms after the run starts. */
  at_ms?: number;
}

/**
 * Which of a prompt's tokens it shares with other prompts, without its text: named blocks of
 * `blockTokens` tokens from the start (a Mooncake row's hash_ids, a synthetic shared prefix); equal
 * names, equal tokens. The simulator's prefix cache reads it.
 */
export interface SharedBlocks {
  blockTokens: number;
  hashes: ReadonlyArray<string | number>;
}

/** A request's lengths and timing without its text: all the simulator needs. */
export type RequestShape = Pick<WorkloadRequest, 'index' | 'promptTokens' | 'outputTokens' | 'at_ms'> & { sharedBlocks?: SharedBlocks };

export interface Workload {
  readonly description: string;
  /** The i-th request; workloads are deterministic given their seed. */
  request(index: number): WorkloadRequest;
  /** The i-th request's shape, cheaply (no prompt text); same lengths as `request(index)` up to tokenizer rounding. */
  shape(index: number): RequestShape;
  /** Number of requests the workload holds, or Infinity for generated ones. */
  readonly size: number;
  /** Traces carry their own send times (`at_ms`): they replay open-loop whatever the load flags. */
  readonly timed?: boolean;
}
