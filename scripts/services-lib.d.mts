/** Types for services-lib.mjs (plain Node ESM, so it runs before any TypeScript tooling). */
export interface ServiceEnv {
  NEO4J_URI: string;
  NEO4J_USER: string;
  NEO4J_PASSWORD: string;
  WEAVIATE_URL: string;
  WEAVIATE_GRPC_URL: string;
}

export function startServices(options?: { log?: (line: string) => void }): Promise<{ env: ServiceEnv; stop: () => Promise<void> }>;

export interface Neo4jServer {
  pid: number;
  boltUri: string;
  httpUrl: string;
  user: string;
  password: string;
  logFile: string;
  dataDir: string;
  boltPort: number;
  httpPort: number;
}

/** One private Neo4j on free (or the given) loopback ports; stop it with stopServer. */
export function startNeo4j(options?: { log?: (line: string) => void; boltPort?: number; httpPort?: number }): Promise<Neo4jServer>;
export function stopServer(info: Neo4jServer | undefined): Promise<void>;
