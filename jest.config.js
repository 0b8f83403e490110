const { availableParallelism } = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  // Jest's default (one worker fewer than the CPUs) runs the suite serially on 2 cores. Most suites wait on child
  // processes, emulators and files: two workers finish it in about 5.5 minutes, where one took about 7.5 before the
  // stress suites were added.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // hyparquet ships only ES modules; Node loads them with require(), jest needs them compiled to CommonJS.
    '/node_modules/hyparquet[^/]*/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022' }, isolatedModules: true },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!hyparquet)'],
  testTimeout: 60000,
  watchman: false,
  // One SQS emulator (fauxqs) for the suites that need a queue; its endpoint is WINNOW_TEST_SQS_ENDPOINT.
  globalSetup: '<rootDir>/test/setup/global-setup.mjs',
  globalTeardown: '<rootDir>/test/setup/global-teardown.mjs',
};
