import type { Rng } from '../../common/random';
import type { FaultConfig } from '../profiles/common';

export type Fault = '429' | '500' | '503' | 'disconnect' | 'stall' | 'slow-first-byte';
export const FAULT_HEADER = 'x-tokenbench-fault';
const KNOWN: readonly Fault[] = ['429', '500', '503', 'disconnect', 'stall', 'slow-first-byte'];

/**
 * Which deliberate faults hit this request: the ones named in the `x-tokenbench-fault` header
 * (comma-separated), else those drawn from the profile's rates.
 */
export function decideFaults(header: string | string[] | undefined, config: FaultConfig, rng: Rng): Set<Fault> {
  const faults = new Set<Fault>();
  const named = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((part) => part.trim()).filter(Boolean);
  if (named.length > 0) {
    for (const name of named) if ((KNOWN as string[]).includes(name)) faults.add(name as Fault);
    return faults;
  }
  for (const status of ['429', '500', '503'] as const) {
    const rate = config.error_rate[status] ?? 0;
    if (rate > 0 && rng.next() < rate) {
      faults.add(status);
      return faults;
    }
  }
  if (config.disconnect_rate > 0 && rng.next() < config.disconnect_rate) faults.add('disconnect');
  if (config.stall_rate > 0 && rng.next() < config.stall_rate) faults.add('stall');
  if (config.slow_first_byte_ms > 0) faults.add('slow-first-byte');
  return faults;
}
