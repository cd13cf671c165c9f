import { defineConfig } from 'vitest/config';

/**
 * Suites that run one file at a time afterwards (vitest.clients.config.ts): the real clients (a browser driving
 * the Teams Playground, a real local model), which need the cores to themselves, and the suites that run whole
 * bots on the demo organization in one shared Neo4j (replicas, restarts, faults), whose sweepers and request
 * reuse would otherwise settle each other's approvals.
 */
export const clientSuites = ['test/clients/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/hardening/**/*.services.test.ts'];

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
