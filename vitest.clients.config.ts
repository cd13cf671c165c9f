import { defineConfig } from 'vitest/config';
import { clientSuites } from './vitest.config.ts';

/**
 * The real-client suites, one file at a time after the main run (`npm test` runs both): Microsoft's
 * Teams Playground in headless Chromium, and the provisioned Ollama with a small model on CPU. Each
 * needs the machine's cores to itself to stay within its bounds.
 */
export default defineConfig({
  test: {
    include: clientSuites,
    globalSetup: ['test/setup/services.ts', 'test/setup/ollama.ts'],
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
