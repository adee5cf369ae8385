import type { RequestRecord } from '../types/record';


/**
 * TTFT, per-token ITL, raw chunk gaps and E2EL from the visible chunks' arrival times (ms after the
 * request was sent) and token counts (docs/DESIGN.md §3): a chunk carrying k tokens after a gap g contributes
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
    requested_prompt_tokens: promptTokens,
    output_tokens: 0,
    reasoning_tokens: 0,
    requested_output_tokens: requestedOutputTokens,
    ok: false,
    error: null,
    status: 0,
  };
}
