/**
 * Jest's node environment runs every module inside a vm context whose global is a Proxy; each global
 * lookup (`Math`, `Number`, `Map`) from such code then goes through V8's slow interceptor path, which
 * made an in-process calibration 7× slower under jest than under node (95 s against 13 s). This
 * environment compiles CommonJS test code in Node's own context instead, with jest's globals installed
 * there. ES modules that jest loads itself (dynamic import) still run in the sandbox context.
 */
const vm = require('node:vm');
const { TestEnvironment } = require('jest-environment-node');

// undici keeps one global dispatcher per process (non-configurable Symbol.for keys): the first module
// instance to load sets it, and later test files' undici use it. Loaded here, by Node's own require, it
// outlives every test file: set by a file's registry, it lazily required llhttp after that file was torn
// down, and every later file's HTTP failed ("WebAssembly.Module(): Argument 0 must be a buffer source").
require('undici');

const mainContextMarkers = new WeakSet();
const compileFunction = vm.compileFunction;
// jest-runtime compiles each CommonJS module with vm.compileFunction(…, { parsingContext }): without a
// parsingContext the function belongs to the main context.
vm.compileFunction = function compileInMainContext(code, params, options) {
  if (options && options.parsingContext && mainContextMarkers.has(options.parsingContext)) {
    const { parsingContext, ...rest } = options;
    return compileFunction.call(this, code, params, rest);
  }
  return compileFunction.call(this, code, params, options);
};

const ownKeys = () => new Set(Reflect.ownKeys(globalThis));

class MainContextEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    mainContextMarkers.add(this.context);
    this.global = globalThis;
    this.keysBefore = ownKeys();
  }

  async teardown() {
    // Test files share Node's global now: what one file's modules left there (undici keeps its global
    // dispatcher under a Symbol.for key) must not reach the next file, whose module registry is new.
    for (const key of ownKeys()) {
      if (!this.keysBefore.has(key) && Object.getOwnPropertyDescriptor(globalThis, key)?.configurable) delete globalThis[key];
    }
    await super.teardown();
  }
}

module.exports = MainContextEnvironment;
