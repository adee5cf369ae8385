import type { ResponsesRequest } from './schemas';

/** One input item of a Responses conversation, as requests send them. */
export type ConversationItem = Exclude<ResponsesRequest['input'], string>[number];

export interface StoredResponse {
  /** The response object as `POST /v1/responses` returned it (what `GET` returns). */
  response: Record<string, unknown>;
  /** Every turn up to and including this response's output: what `previous_response_id` continues. */
  conversation: ConversationItem[];
}

/**
 * Responses kept for `previous_response_id`, `GET` and `DELETE /v1/responses/{id}`: bounded, the least
 * recently used dropped first (a mock serving for hours must not grow without end).
 */
export class ResponseStore {
  private readonly entries = new Map<string, StoredResponse>();

  constructor(readonly capacity = 1000) {}

  get size(): number {
    return this.entries.size;
  }

  put(id: string, stored: StoredResponse): void {
    this.entries.delete(id);
    this.entries.set(id, stored);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  get(id: string): StoredResponse | undefined {
    const stored = this.entries.get(id);
    if (stored) {
      // Map order is insertion order: re-inserting makes it the most recently used.
      this.entries.delete(id);
      this.entries.set(id, stored);
    }
    return stored;
  }

  delete(id: string): boolean {
    return this.entries.delete(id);
  }
}
