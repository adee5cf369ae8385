import type { ServerResponse } from 'node:http';

/**
 * Writes SSE frames to a response with backpressure: when the socket's buffer is full (`write`
 * returned false) frames queue here and leave together on `drain`. A client that stops reading
 * for good is cut off once `maxQueuedBytes` pile up, so memory stays bounded.
 */
export class SseWriter {
  private queue: string[] = [];
  private queuedBytes = 0;
  private waitingForDrain = false;
  private pausedUntil?: NodeJS.Timeout;
  private ending = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly maxQueuedBytes = 16 * 1024 * 1024,
  ) {
    res.on('drain', () => {
      this.waitingForDrain = false;
      this.flush();
    });
  }

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  open(status = 200, headers: Record<string, string> = {}): void {
    this.res.writeHead(status, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    this.res.flushHeaders();
  }

  write(frames: string[]): void {
    if (frames.length === 0 || this.closed) return;
    for (const frame of frames) {
      this.queue.push(frame);
      this.queuedBytes += frame.length;
    }
    if (this.queuedBytes > this.maxQueuedBytes) {
      this.res.destroy(new Error('client is not reading the stream'));
      return;
    }
    this.flush();
  }

  /** Holds every frame for `ms` (an injected stall), then sends them at once. */
  stall(ms: number): void {
    if (this.pausedUntil) return;
    this.pausedUntil = setTimeout(() => {
      this.pausedUntil = undefined;
      this.flush();
    }, ms);
  }

  end(frames: string[] = []): void {
    this.ending = true;
    this.write(frames);
    this.flush();
  }

  /** Cancels timers held for this stream (its stall). */
  dispose(): void {
    if (this.pausedUntil) clearTimeout(this.pausedUntil);
    this.pausedUntil = undefined;
  }

  private flush(): void {
    if (this.waitingForDrain || this.pausedUntil || this.closed) return;
    if (this.queue.length > 0) {
      const chunk = this.queue.length === 1 ? this.queue[0] : this.queue.join('');
      this.queue = [];
      this.queuedBytes = 0;
      if (!this.res.write(chunk)) this.waitingForDrain = true;
    }
    if (this.ending && !this.waitingForDrain && this.queue.length === 0) this.res.end();
  }
}
