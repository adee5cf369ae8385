#!/usr/bin/env node
// Runs the compiled CLI (built by `npm ci` through the `prepare` script).
require('../dist/cli/main.js').buildProgram().parseAsync(process.argv).catch((error) => {
  process.stderr.write(`tokenbench: ${error && error.message ? error.message : error}\n`);
  process.exit(1);
});
