import type { TestProject } from 'vitest/node';

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

interface ServicesLib {
  startServices(options: { log: (line: string) => void }): Promise<{ env: ServiceEnv; stop: () => Promise<void> }>;
}

/**
 * Starts real Neo4j and Weaviate servers for the run (or reuses the ones named by NEO4J_URI and
 * WEAVIATE_URL). A server that cannot start fails the run with its log: never a silent skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const lib = (await import('../../scripts/services-lib.mjs')) as ServicesLib;
  const started = await lib.startServices({ log: (line) => process.stderr.write(`[services] ${line}\n`) });
  project.provide('services', started.env);
  return async () => {
    await started.stop();
  };
}
