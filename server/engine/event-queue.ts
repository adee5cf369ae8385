/**
 * One scheduled callback. It is also its own cancel handle, so scheduling a token costs this object
 * and its callback (a separate handle and the handle's closure came on top), which is most of what
 * the young-generation collector copies per open stream under load (`npm run bench:server`).
 */
export class TimedEvent {
  /** Fired or cancelled: it will not run (again). */
  done = false;

  constructor(
    readonly at_ms: number,
    readonly run: () => void,
    private readonly queue: EventQueue,
  ) {}

  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.queue.cancelled();
  }
}

/**
 * A binary min-heap of timed events, ordered by time then insertion (so ties fire FIFO). Times and
 * insertion numbers sit in typed arrays beside the events: sifting compares numbers that lie side by
 * side instead of reading them out of objects spread over the heap.
 */
export class EventQueue {
  private events: TimedEvent[] = [];
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  private nextSeq = 0;
  private liveCount = 0;

  /** `onAllCancelled`: called when a cancel leaves no live event (not when the last one is popped). */
  constructor(private readonly onAllCancelled?: () => void) {}

  /** Events neither fired nor cancelled. */
  get live(): number {
    return this.liveCount;
  }

  push(at_ms: number, run: () => void): TimedEvent {
    const event = new TimedEvent(at_ms, run, this);
    const index = this.events.length;
    if (index === this.times.length) this.grow();
    this.events.push(event);
    this.times[index] = at_ms;
    this.seqs[index] = this.nextSeq++;
    this.siftUp(index);
    this.liveCount++;
    return event;
  }

  /** The earliest live event, discarding cancelled ones on the way. */
  peek(): TimedEvent | undefined {
    while (this.events.length > 0 && this.events[0].done) this.removeTop();
    return this.events[0];
  }

  /** Removes and returns the earliest live event, which then counts as fired. */
  pop(): TimedEvent | undefined {
    const top = this.peek();
    if (!top) return undefined;
    this.removeTop();
    top.done = true;
    this.liveCount--;
    return top;
  }

  clear(): void {
    for (const event of this.events) event.done = true;
    this.events = [];
    this.liveCount = 0;
  }

  /** A live event was cancelled (its own `cancel()` calls this). */
  cancelled(): void {
    this.liveCount--;
    if (this.liveCount === 0) this.onAllCancelled?.();
  }

  private removeTop(): void {
    const events = this.events;
    const last = events.length - 1;
    if (last > 0) this.move(last, 0);
    events.pop();
    if (last > 1) this.siftDown(0);
  }

  private before(a: number, b: number): boolean {
    const times = this.times;
    return times[a] < times[b] || (times[a] === times[b] && this.seqs[a] < this.seqs[b]);
  }

  private siftUp(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(index, parent)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const length = this.events.length;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < length && this.before(left, smallest)) smallest = left;
      if (right < length && this.before(right, smallest)) smallest = right;
      if (smallest === index) return;
      this.swap(index, smallest);
      index = smallest;
    }
  }

  private swap(a: number, b: number): void {
    const { events, times, seqs } = this;
    const event = events[a];
    events[a] = events[b];
    events[b] = event;
    const time = times[a];
    times[a] = times[b];
    times[b] = time;
    const seq = seqs[a];
    seqs[a] = seqs[b];
    seqs[b] = seq;
  }

  private move(from: number, to: number): void {
    this.events[to] = this.events[from];
    this.times[to] = this.times[from];
    this.seqs[to] = this.seqs[from];
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }
}
