import type { RequestShape, Workload, WorkloadRequest } from '../types/workload';
import type { RequestRecord } from '../types/record';

/**
 * The requests of a measured run, replayed by their lengths (and, for open-loop runs, their scheduled
 * times): what `calibrate` simulates to compare a candidate profile with the measurements.
 */
export class RecordedWorkload implements Workload {
  readonly size: number;

  constructor(
    private readonly records: RequestRecord[],
    readonly timed: boolean,
  ) {
    this.size = records.length;
  }

  get description(): string {
    return `${this.records.length} recorded requests`;
  }

  shape(index: number): RequestShape {
    const record = this.records[index];
    return {
      index,
      promptTokens: Math.max(1, record.prompt_tokens),
      outputTokens: Math.max(1, record.ok ? record.output_tokens - record.reasoning_tokens : record.requested_output_tokens),
      ...(this.timed ? { at_ms: record.scheduled_ms } : {}),
    };
  }

  request(index: number): WorkloadRequest {
    throw new Error(`recorded workloads carry lengths only (request ${index} has no text); use shape()`);
  }
}
