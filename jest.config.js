// ESM + TypeScript: run through `npm test`, which sets --experimental-vm-modules.
export default {
  testEnvironment: 'node',
  resolver: 'ts-jest-resolver',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }]
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testTimeout: 120000,
  // Each integration file starts its own Postgres (or uses TEST_DATABASE_URL); two workers match the machine's cores.
  maxWorkers: 2
}
