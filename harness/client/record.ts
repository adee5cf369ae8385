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
  /**
   * Only against a target on this machine that stamps its clock (`tokenbench serve --stamp-writes`):
   * request_ms from this client's send to the server's handler, and per visible chunk the time from
   * the server's write to this client's timestamp. What the harness adds to what it measures.
   */
  delivery?: { request_ms: number; chunks_ms: number[] };
}

/**
 * TTFT, per-token ITL, raw chunk gaps and E2EL from the visible chunks' arrival times (ms after the
 * request was sent) and token counts (DESIGN §3): a chunk carrying k tokens after a gap g contributes
 * k gaps of g/k. Shared by the HTTP client and the simulator; parallel arrays keep the simulator's
 * millions of chunks free of per-chunk objects.
 */
export function applyChunkTimings(record: RequestRecord, arrivals_ms: readonly number[], tokens: readonly number[]): void {
  if (arrivals_ms.length === 0) return;
  record.ttft_ms = arrivals_ms[0];
  record.e2el_ms = arrivals_ms[arrivals_ms.length - 1];
  for (let i = 1; i < arrivals_ms.length; i++) {
    const gap = arrivals_ms[i] - arrivals_ms[i - 1];
    record.chunk_gaps_ms.push(gap);
    const count = Math.max(1, tokens[i]);
    for (let k = 0; k < count; k++) record.itl_ms.push(gap / count);
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
