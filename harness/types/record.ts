/** One request's measurements, as a line of results.jsonl (docs/DESIGN.md §3). Times in ms. */
export interface RequestRecord {
  id: number;
  /** When the load pattern wanted it sent, ms after the run's start. */
  scheduled_ms: number;
  /** When it was actually sent; sent − scheduled is client lag (coordinated omission, made visible). */
  sent_ms: number;
  /** Sent → first chunk with visible content. */
  ttft_ms: number | null;
  /** Sent → first reasoning token, for reasoning models. */
  ttfrt_ms: number | null;
  /** Per-token inter-token latencies (a k-token chunk after gap g gives k gaps of g/k). */
  itl_ms: number[];
  /** Raw gaps between content chunks. */
  chunk_gaps_ms: number[];
  /** Sent → last content chunk. */
  e2el_ms: number | null;
  /** The endpoint's own count of the prompt (usage.prompt_tokens), or ours where it reports none. */
  prompt_tokens: number;
  /**
   * The prompt as tokenbench's own server counts the request sent (its usage.prompt_tokens: o200k, chat
   * template included): against an endpoint whose tokenizer differs, prompt_tokens against it is how its
   * count follows ours (calibrate's prompt_token_ratio and offset). Absent in old runs; runs before
   * 2026-12 counted the text alone.
   */
  requested_prompt_tokens?: number;
  /** Prompt tokens the endpoint found in its prefix cache (usage.prompt_tokens_details.cached_tokens), when it says. */
  cached_tokens?: number;
  output_tokens: number;
  reasoning_tokens: number;
  /** What the workload asked for. */
  requested_output_tokens: number;
  ok: boolean;
  /** The kind of failure (`http_500: server_error`, `timeout`, ...), what the summary counts by. */
  error: string | null;
  /** The target's own words for it (a 500's `error.message`, the start of an HTML page). */
  error_message?: string;
  /** HTTP status, or 0 when the connection failed. */
  status: number;
  /**
   * Only against a target on this machine that stamps its clock (`tokenbench serve --stamp-writes`):
   * request_ms from this client's send to the server's handler, and per visible chunk the time from
   * the server's write to this client's timestamp. What the harness adds to what it measures.
   */
  delivery?: { request_ms: number; chunks_ms: number[] };
}
