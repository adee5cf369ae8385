import { performance } from 'node:perf_hooks';
import { EventQueue } from './event-queue';

export interface TimerHandle {
  cancel(): void;
}

/**
 * What the scheduler knows of time. The server drives it with `RealClock` (monotonic, one shared
 * timer); the simulator with `VirtualClock` (an event queue that jumps from event to event).
 */
export interface Clock {
  now_ms(): number;
  /** Runs `run` at absolute time `at_ms` (or as soon as possible if that has passed). */
  at(at_ms: number, run: () => void): TimerHandle;
}

/**
 * Real time on one shared timer that wakes for the earliest due event. Deadlines are absolute
 * floating milliseconds; everything due within `coalesceWindow_ms` of now fires in the same wake,
 * so a stream's tokens due in the same millisecond leave as one write.
 */
export class RealClock implements Clock {
  // A stream cancelled with nothing else scheduled lets go of the timer at once (no timer is held idle).
  private readonly queue = new EventQueue(() => {
    if (!this.firing) this.disarm();
  });
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private timerAt_ms = Infinity;
  private firing = false;
  /** Observed lateness of each fired event (ms), for the event-loop lag metrics. */
  onLateness?: (late_ms: number) => void;

  constructor(private readonly coalesceWindow_ms = 0.5) {}

  now_ms(): number {
    return performance.now();
  }

  at(at_ms: number, run: () => void): TimerHandle {
    const event = this.queue.push(at_ms, run);
    // While firing, the loop re-arms once at its end instead of per new event.
    if (!this.firing && at_ms < this.timerAt_ms) this.arm();
    return event;
  }

  /** Number of scheduled, not yet fired or cancelled events (0 means no timer is held). */
  get pending(): number {
    return this.queue.live;
  }

  private disarm(): void {
    this.clearWake();
    this.queue.clear();
  }

  private clearWake(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    this.timer = undefined;
    this.timerAt_ms = Infinity;
  }

  private arm(): void {
    const next = this.queue.peek();
    this.clearWake();
    if (!next) return;
    this.timerAt_ms = next.at_ms;
    const until_ms = next.at_ms - this.now_ms();
    if (until_ms <= this.coalesceWindow_ms) {
      // Already due: run on the next turn of the loop rather than a 1 ms timer.
      this.immediate = setImmediate(() => this.fire());
      return;
    }
    // Timers are whole milliseconds and may fire early: wake at the floor and re-check.
    this.timer = setTimeout(() => this.fire(), Math.max(1, Math.floor(until_ms)));
  }

  private fire(): void {
    this.timer = undefined;
    this.immediate = undefined;
    this.timerAt_ms = Infinity;
    this.firing = true;
    // Only what is due now: events falling due while these run wait for the next turn of the loop,
    // so the writes they queued (microtasks) and incoming I/O are not held back by a growing batch.
    const now = this.now_ms();
    for (;;) {
      const next = this.queue.peek();
      if (!next || next.at_ms > now + this.coalesceWindow_ms) break;
      // Popped, it counts as fired: a later cancel() is a no-op.
      this.queue.pop();
      this.onLateness?.(now - next.at_ms);
      try {
        next.run();
      } catch (error) {
        // A failing callback must not stop every other stream's clock.
        process.emitWarning(`tokenbench clock callback failed: ${(error as Error).stack ?? error}`);
      }
    }
    this.firing = false;
    if (this.queue.live > 0) this.arm();
    else this.disarm();
  }
}

/** Virtual time: `run()` pops events in time order and jumps the clock to each. Bit-for-bit repeatable. */
export class VirtualClock implements Clock {
  private readonly queue = new EventQueue();
  private current_ms = 0;

  now_ms(): number {
    return this.current_ms;
  }

  at(at_ms: number, run: () => void): TimerHandle {
    return this.queue.push(Math.max(at_ms, this.current_ms), run);
  }

  /** Runs events until none are left (or `until_ms` is reached). Returns the number fired. */
  run(until_ms = Infinity): number {
    let fired = 0;
    for (;;) {
      const next = this.queue.peek();
      if (!next || next.at_ms > until_ms) break;
      this.queue.pop();
      this.current_ms = next.at_ms;
      next.run();
      fired++;
    }
    if (until_ms !== Infinity && until_ms > this.current_ms) this.current_ms = until_ms;
    return fired;
  }
}
