/** Tests run TypeScript through swc (type-checking is `npm run typecheck`). */
module.exports = {
  testEnvironment: '<rootDir>/test/helpers/main-context-environment.js',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testTimeout: 60000,
  // Timing tests measure real latencies: one suite at a time keeps them off each other's cores.
  maxWorkers: 1,
};
