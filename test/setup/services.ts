import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startServices } from '../../scripts/services-lib.mjs';

export interface ServiceEnv {
  NEO4J_URI: string;
  NEO4J_USER: string;
  NEO4J_PASSWORD: string;
  WEAVIATE_URL: string;
  WEAVIATE_GRPC_URL: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServiceEnv;
  }
}

/**
 * Starts real Neo4j and Weaviate servers for the run (or reuses the ones named by NEO4J_URI and
 * WEAVIATE_URL). A server that cannot start fails the run with its log: never a silent skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = await startServices({ log: (line) => process.stderr.write(`[services] ${line}\n`) });
  project.provide('services', started.env);
  return async () => {
    await started.stop();
  };
}
