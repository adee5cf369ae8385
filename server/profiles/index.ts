/**
 * The profiles' public surface, for the CLI, the harness (simulate, calibrate) and library users:
 * loading and validating profiles, composing them from the catalogs, and predicting one request.
 */
export { builtinProfileNames, DEFAULT_PROFILE, describeKind, isPhysicsProfile, loadProfile, parseProfile, readProfileSource, type Profile } from './registry';
export type { EmpiricalProfile } from './empirical';
export type { FittedProfile } from './fitted';
export type { PhysicsProfile } from './physics';
export { drawReasoningTokens, exceedsContextLength, ROUTER_POLICIES, type ReasoningConfig, type RouterPolicy } from './common';
export { hardwareCatalog, modelCatalog, KV_PRECISIONS, WEIGHT_PRECISIONS, type HardwareSpec, type ModelSpec } from './catalog';
export { hasComposition, hasServingOptions, profileFromOptions, withServingOptions, type CompositionOptions } from './compose';
export { predict, type PredictInput, type Prediction } from './predict';
export { activeParams, kvBytesPerToken } from './step-cost';
export { stepJitterSigma } from './engine-config';
