// Three suites: unit tests beside the code (no stores), integration tests against the real stores
// of the local stack (*.integration.test.ts), end-to-end tests through the gateway (e2e/).
const swc = [
  '@swc/jest',
  {
    jsc: { target: 'es2023', parser: { syntax: 'typescript' }, keepClassNames: true },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

// Every process the integration and e2e suites start may reach loopback only: the global set-up
// preloads test-support/egress-guard.js into the workers and their children, each file fails on
// what its process tried, and the global teardown fails the run on what any process tried.
const storeSuites = {
  globalSetup: '<rootDir>/test-support/global-setup.ts',
  globalTeardown: '<rootDir>/test-support/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test-support/egress-per-file.ts'],
};

const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': swc },
  // ESM-only dependencies are compiled to CommonJS like our own code.
  transformIgnorePatterns: ['/node_modules/(?!(uuid|@faker-js|@prisma/schema-engine-wasm|jose)/)'],
  moduleNameMapper: {
    '^@polystore/platform$': '<rootDir>/packages/platform/src/index.ts',
    '^@polystore/(accounts|catalog|cart|orders|payments|search)/dist/(.*)$': '<rootDir>/subgraphs/$1/src/$2',
    '^@polystore/gateway/dist/(.*)$': '<rootDir>/gateway/src/$1',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  modulePathIgnorePatterns: ['<rootDir>/.tools/', '<rootDir>/.data/', '/dist/'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/.tools/', '<rootDir>/.data/'],
};

module.exports = {
  // A global option (jest ignores it inside projects): set-up against real stores can take seconds.
  testTimeout: 30_000,
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/src/**/*.test.ts', '<rootDir>/tools/**/*.test.ts', '<rootDir>/test-support/*.test.ts'],
      testPathIgnorePatterns: [...base.testPathIgnorePatterns, '\\.integration\\.test\\.ts$', '\\.e2e\\.test\\.ts$'],
    },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/*.integration.test.ts'],
      ...storeSuites,
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/e2e/**/*.e2e.test.ts'],
      ...storeSuites,
    },
  ],
};
