/** Tests run the TypeScript sources through ts-jest; `npm run typecheck` checks types once for all. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFiles: ['reflect-metadata', '<rootDir>/tests/support/quiet.js'],
  testTimeout: 60_000,
};
