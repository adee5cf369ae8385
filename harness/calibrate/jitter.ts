// Step jitter from measured gaps: a module of its own, free of HTTP and engine imports.

/** σ of a lognormal from its p90 over its median: p90/p50 = exp(1.2816 σ). */
export const lognormalSigmaOf = (p90: number, median: number) => (p90 > 0 && median > 0 ? Math.max(0, Math.log(p90 / median) / 1.2816) : 0);

/**
 * The step jitter a twin needs when `floor_sigma` of the measured spread came from the machine (timers,
 * event loops, loopback): independent noises add in log space, so their variances add.
 */
export const jitterBeyondFloor = (measured_sigma: number, floor_sigma: number) => Number(Math.sqrt(Math.max(0, measured_sigma ** 2 - floor_sigma ** 2)).toFixed(4));

/**
 * A p90 as measured through noise of log-spread `noise_sigma` added to a noiseless distribution with this
 * median and p90 (log-normal approximation: spreads add in variance; the median stays where it is).
 */
export const p90ThroughNoise = (p90: number, median: number, noise_sigma: number) => median * Math.exp(1.2816 * Math.hypot(lognormalSigmaOf(p90, median), noise_sigma));

/** The twin's step noise: lognormal σ of a step `reference_ms` long (longer steps average theirs: stepJitterSigma). */
export interface StepJitter {
  sigma: number;
  reference_ms: number;
}

/** No noise: the smooth search's steps. */
export const NO_JITTER: StepJitter = { sigma: 0, reference_ms: 1 };
