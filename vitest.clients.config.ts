import { defineConfig } from 'vitest/config';
import { clientSuites } from './vitest.config.ts';

/**
 * The suites that run one file at a time after the main run (`npm test` runs both): Microsoft's Teams
 * Playground in headless Chromium and the provisioned Ollama with a small model on CPU, which need the
 * machine's cores to themselves, and the whole-bot suites on the shared Neo4j (see vitest.config.ts).
 */
export default defineConfig({
  test: {
    include: clientSuites,
    globalSetup: ['test/setup/services.ts', 'test/setup/ollama.ts'],
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 60_000,
    sequence: { concurrent: false },
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
