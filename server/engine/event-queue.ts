/** A binary min-heap of timed events, ordered by time then insertion (so ties fire FIFO). */
export interface TimedEvent {
  at_ms: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

export class EventQueue {
  private heap: TimedEvent[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at_ms: number, run: () => void): TimedEvent {
    const event: TimedEvent = { at_ms, seq: this.nextSeq++, run, cancelled: false };
    const heap = this.heap;
    heap.push(event);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index], heap[parent])) break;
      [heap[index], heap[parent]] = [heap[parent], heap[index]];
      index = parent;
    }
    return event;
  }

  /** The earliest live event, discarding cancelled ones on the way. */
  peek(): TimedEvent | undefined {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
    return this.heap[0];
  }

  pop(): TimedEvent | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && before(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && before(heap[right], heap[smallest])) smallest = right;
        if (smallest === index) break;
        [heap[index], heap[smallest]] = [heap[smallest], heap[index]];
        index = smallest;
      }
    }
    return top;
  }

  clear(): void {
    this.heap = [];
  }
}

function before(a: TimedEvent, b: TimedEvent): boolean {
  return a.at_ms < b.at_ms || (a.at_ms === b.at_ms && a.seq < b.seq);
}
