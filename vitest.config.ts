import { defineConfig } from 'vitest/config';

/** The real clients (a browser driving the Teams Playground, a real local model) run alone afterwards: vitest.clients.config.ts. */
export const clientSuites = ['test/clients/**/*.test.ts', 'test/integration/real-model.test.ts'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/.git/**', ...clientSuites],
    globalSetup: ['test/setup/services.ts'],
    // Real Neo4j and Weaviate servers are shared by the suites; keep the run within two cores.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
