// Jest runs tests in a separate V8 context whose typed-array constructors differ from Node's own, so
// onnxruntime-node's `data instanceof Float32Array` checks fail on tensors its native code returns. This
// environment hands the test context Node's own typed arrays. Use with `@jest-environment` in a docblock.
const { TestEnvironment } = require('jest-environment-node');

class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of [
      'ArrayBuffer',
      'Float32Array',
      'Float64Array',
      'Int8Array',
      'Int16Array',
      'Int32Array',
      'Uint8Array',
      'Uint16Array',
      'Uint32Array',
      'BigInt64Array',
      'BigUint64Array',
    ]) {
      this.global[name] = globalThis[name];
    }
  }
}

module.exports = OnnxEnvironment;
