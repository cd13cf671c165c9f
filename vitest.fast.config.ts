import { defineConfig } from 'vitest/config';

// Unit, end-to-end and hardening tests only, without starting Neo4j and Weaviate: `npm run test:fast`.
// `npm test` runs everything, real stores included.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/hardening/**/*.test.ts'],
    // Hardening suites that need the real Neo4j and Weaviate are named *.services.test.ts.
    exclude: ['**/node_modules/**', '**/.git/**', 'test/hardening/**/*.services.test.ts'],
    maxWorkers: 2,
    testTimeout: 30_000,
  },
});
