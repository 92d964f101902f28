// ESM + TypeScript: run through `npm test`, which sets --experimental-vm-modules.
export default {
  testEnvironment: 'node',
  resolver: 'ts-jest-resolver',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.jest.json' }]
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  // Every action run's output is captured; the teardown fails the suite if a secret shows anywhere.
  globalSetup: '<rootDir>/test-support/secret-scan-setup.mjs',
  globalTeardown: '<rootDir>/test-support/secret-scan.mjs',
  testTimeout: 120000,
  // Each integration file starts its own Postgres (or uses TEST_DATABASE_URL); two workers match the machine's cores.
  maxWorkers: 2
}
