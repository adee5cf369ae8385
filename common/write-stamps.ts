/**
 * Optional timing stamps on streamed responses (`tokenbench serve --stamp-writes`): the moment the
 * request was handed to its route, as a response header, and the moment each SSE frame is written,
 * as an SSE comment line that every client ignores. Both read CLOCK_MONOTONIC in nanoseconds, which
 * every process on one machine shares, so a client beside the mock can split what it measures into
 * the server's part and its own (delivery and parsing): that is how `npm run bench:harness` measures
 * the harness's error. Across machines the stamps mean nothing.
 */
export const RECEIVED_HEADER = 'x-tokenbench-received-ns';
export const WRITE_STAMP_PREFIX = 'tokenbench-write-ns=';

export function monotonicNow_ns(): bigint {
  return process.hrtime.bigint();
}

/** The SSE comment that precedes a write: `: tokenbench-write-ns=123…\n`. */
export function writeStampLine(): string {
  return `: ${WRITE_STAMP_PREFIX}${monotonicNow_ns()}\n`;
}

/** The stamp in an SSE comment's text (without its leading colon and space), or undefined. */
export function parseWriteStamp(comment: string): bigint | undefined {
  const text = comment.trimStart();
  return text.startsWith(WRITE_STAMP_PREFIX) ? BigInt(text.slice(WRITE_STAMP_PREFIX.length).trim()) : undefined;
}

// performance.now() counts from an hrtime origin; this is that origin.
const monotonicOrigin_ns = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));

/** A `performance.now()` reading as CLOCK_MONOTONIC nanoseconds (both count from the same clock in Node). */
export function performanceToMonotonic_ns(performanceNow_ms: number): bigint {
  return monotonicOrigin_ns + BigInt(Math.round(performanceNow_ms * 1e6));
}
