import type { RemoteBot } from './remote.ts';

/**
 * The running bot named by `--url` or CLOUD_COMPANION_URL, or undefined for the stores this process
 * opens itself. The HTTP client (and the API schemas it validates with) loads only when one is named.
 */
export async function remoteBot(flagUrl: string | undefined): Promise<RemoteBot | undefined> {
  if (!(flagUrl ?? process.env.CLOUD_COMPANION_URL)?.trim()) return undefined;
  const { RemoteBot, remoteTarget } = await import('./remote.ts');
  const target = remoteTarget(flagUrl);
  return target && new RemoteBot(target);
}
