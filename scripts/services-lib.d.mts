/** Types for services-lib.mjs (plain Node ESM, so it runs before any TypeScript tooling). */
export interface ServiceEnv {
  NEO4J_URI: string;
  NEO4J_USER: string;
  NEO4J_PASSWORD: string;
  WEAVIATE_URL: string;
  WEAVIATE_GRPC_URL: string;
}

export function startServices(options?: { log?: (line: string) => void }): Promise<{ env: ServiceEnv; stop: () => Promise<void> }>;
