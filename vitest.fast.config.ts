import { defineConfig } from 'vitest/config';

// Unit and end-to-end tests only, without starting Neo4j and Weaviate: `npm run test:fast`.
// `npm test` runs everything, real stores included.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    maxWorkers: 2,
    testTimeout: 30_000,
  },
});
