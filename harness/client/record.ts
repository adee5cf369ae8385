/** One request's measurements, as a line of results.jsonl (DESIGN §3). Times in ms. */
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
  prompt_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  /** What the workload asked for. */
  requested_output_tokens: number;
  ok: boolean;
  error: string | null;
  /** HTTP status, or 0 when the connection failed. */
  status: number;
}

/** A chunk of visible output as it arrived: when (ms after the request was sent) and how many tokens. */
export interface TimedChunk {
  at_ms: number;
  tokens: number;
}

/**
 * TTFT, per-token ITL, raw chunk gaps and E2EL from timestamped chunks (DESIGN §3): a chunk carrying
 * k tokens after a gap g contributes k gaps of g/k. Shared by the HTTP client and the simulator.
 */
export function applyChunkTimings(record: RequestRecord, chunks: readonly TimedChunk[]): void {
  if (chunks.length === 0) return;
  record.ttft_ms = chunks[0].at_ms;
  record.e2el_ms = chunks[chunks.length - 1].at_ms;
  for (let i = 1; i < chunks.length; i++) {
    const gap = chunks[i].at_ms - chunks[i - 1].at_ms;
    record.chunk_gaps_ms.push(gap);
    const tokens = Math.max(1, chunks[i].tokens);
    for (let k = 0; k < tokens; k++) record.itl_ms.push(gap / tokens);
  }
}

/** A record for a request about to be sent, before anything is measured. */
export function emptyRecord(id: number, scheduled_ms: number, promptTokens: number, requestedOutputTokens: number): RequestRecord {
  return {
    id,
    scheduled_ms,
    sent_ms: 0,
    ttft_ms: null,
    ttfrt_ms: null,
    itl_ms: [],
    chunk_gaps_ms: [],
    e2el_ms: null,
    prompt_tokens: promptTokens,
    output_tokens: 0,
    reasoning_tokens: 0,
    requested_output_tokens: requestedOutputTokens,
    ok: false,
    error: null,
    status: 0,
  };
}
