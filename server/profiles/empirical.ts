import { z } from 'zod';
import { distributionSchema } from '../../common/distributions';
import { profileCommonShape } from './common';

/**
 * A profile given by measured distributions rather than physics: each request's TTFT and each
 * inter-token gap are drawn independently (what simple mocks and `calibrate` produce).
 */
export const empiricalProfileSchema = z.object({
  ...profileCommonShape,
  kind: z.literal('empirical'),
  ttft_ms: distributionSchema,
  itl_ms: distributionSchema,
  /** Sequences generated at once; beyond it requests wait (FCFS). Unlimited by default. */
  max_num_seqs: z.number().int().positive().default(1_000_000),
});
export type EmpiricalProfile = z.infer<typeof empiricalProfileSchema>;
