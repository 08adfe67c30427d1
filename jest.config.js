/** One jest configuration for unit tests (next to the code) and end-to-end tests (test-e2e/).
 * Tests import workspace packages from source, so no build is needed to run unit tests. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test-e2e'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  moduleNameMapper: {
    '^@berth/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 60000,
  // Two test files at a time, also on a 2-core machine (jest's default there is one): most of an
  // end-to-end file's time is spent waiting on berthd, runtimes and containers, not on the CPU.
  // Every file is safe beside another: its own berthd, data root, socket, netns (`be2e-*-<pid>-N`),
  // loopback ports (freePort) and docker/berth config dirs, and leak checks scoped to its own
  // data root (test-e2e/README.md, "Parallel files").
  maxWorkers: 2,
};
