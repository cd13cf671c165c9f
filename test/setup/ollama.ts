import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startOllama, stopOllama } from '../../scripts/ollama-lib.mjs';

export interface OllamaEnv {
  OLLAMA_BASE_URL: string;
  OLLAMA_MODEL: string;
  OLLAMA_EMBED_MODEL: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    ollama: OllamaEnv;
  }
}

/**
 * Starts a real Ollama with the project's small chat and embedding models (provisioned from the
 * registries by scripts/ollama-lib.mjs, cached outside the repo), or reuses the one named by
 * TEST_OLLAMA_BASE_URL. A model server that cannot be provisioned fails the run: never a silent skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reuse = process.env.TEST_OLLAMA_BASE_URL;
  if (reuse) {
    project.provide('ollama', {
      OLLAMA_BASE_URL: reuse,
      OLLAMA_MODEL: process.env.TEST_OLLAMA_MODEL ?? 'cc-qwen2.5-coder:1.5b',
      OLLAMA_EMBED_MODEL: process.env.TEST_OLLAMA_EMBED_MODEL ?? 'cc-all-minilm:l6-v2',
    });
    return async () => {};
  }
  const started = await startOllama({ log: (line: string) => process.stderr.write(`[services] ${line}\n`) });
  project.provide('ollama', started.env);
  return async () => {
    stopOllama(started);
  };
}
