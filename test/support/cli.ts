import { vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `cloud-companion` entry point in this process with the given environment, and
 * returns its exit code and what it printed.
 */
export async function runCli(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  for (const name of ['NEO4J_URI', 'NEO4J_USER', 'NEO4J_PASSWORD', 'WEAVIATE_URL', 'WEAVIATE_GRPC_URL', 'CONFIG_FILE']) vi.stubEnv(name, '');
  vi.stubEnv('LOG_LEVEL', 'silent');
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    out.mockRestore();
    err.mockRestore();
    vi.unstubAllEnvs();
  }
}
