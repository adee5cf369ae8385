/**
 * tokenbench as a library: the mock server and its profiles, and the benchmark harness.
 *
 *   import { startServer, runBenchmark } from 'tokenbench';
 */
export * from './harness';
export { startServer, type RunningServer, type ServeOptions } from './server';
export * from './server/profiles';
