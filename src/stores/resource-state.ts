import type { Provider } from './estate.ts';

/**
 * The estate's `state` vocabulary, shared by the crawlers (which write it), the diagrams (which
 * colour it) and the diagnosis (which counts a troubled resource as a candidate cause). Crawlers
 * store each provider's own word, lower-cased; this module says what each word means, per provider,
 * so `online` (Azure SQL), `ready` (App Service plan), `succeeded` (Azure provisioning) and `runnable`
 * (GCE) are healthy everywhere and `degraded` is troubled everywhere. Documented in docs/estate-state.md.
 */
export type StateClass = 'healthy' | 'troubled' | 'transitional' | 'unknown';

/** Words every provider uses alike. */
const common = {
  healthy: ['running', 'available', 'active', 'ok', 'healthy', 'enabled', 'ready', 'online', 'up', 'in-use', 'inuse', 'succeeded', 'completed'],
  troubled: ['degraded', 'impaired', 'unhealthy', 'failed', 'error', 'stopped', 'terminated', 'down', 'unavailable', 'offline', 'crashed', 'suspended', 'gone', 'inaccessible-encryption-credentials', 'storage-full', 'inactive', 'incompatible-network', 'incompatible-parameters', 'restore-error'],
  transitional: ['pending', 'starting', 'stopping', 'creating', 'deleting', 'updating', 'provisioning', 'modifying', 'rebooting', 'backing-up', 'maintenance', 'upgrading', 'draining', 'scaling', 'deprovisioning', 'shutting-down'],
} as const;

/** Each provider's own words on top of the common ones (AWS API states, Azure power/provisioning states, GCP lifecycle states). */
const byProvider: Record<Provider, Partial<Record<Exclude<StateClass, 'unknown'>, readonly string[]>>> = {
  aws: {
    healthy: ['in-service', 'provisioned', 'deployed'],
    troubled: ['insufficient-data', 'failed-over', 'incompatible-restore', 'active_impaired', 'impaired'],
    transitional: ['provisioning', 'renaming', 'failing-over', 'active-impaired'],
  },
  azure: {
    healthy: ['vm running', 'succeeded', 'online', 'ready', 'enabled'],
    troubled: ['vm stopped', 'vm deallocated', 'deallocated', 'disabled', 'paused', 'emergency', 'suspect', 'recovery pending'],
    transitional: ['vm starting', 'vm stopping', 'vm deallocating', 'accepted', 'canceled', 'scaling', 'resuming', 'pausing', 'onlinechangingdwperformancelevel'],
  },
  gcp: {
    healthy: ['runnable', 'ready', 'running', 'active'],
    troubled: ['terminated', 'suspended', 'failed', 'maintenance_failed', 'repairing'],
    transitional: ['staging', 'provisioning', 'suspending', 'pending_create', 'pending_delete', 'reconciling', 'maintenance'],
  },
};

/** What a resource's `state` means: healthy, troubled, on its way somewhere (transitional) or unknown. */
export function stateClass(provider: Provider, state: string): StateClass {
  const word = normalizeState(state);
  if (!word || word === 'unknown') return 'unknown';
  const own = byProvider[provider];
  for (const cls of ['troubled', 'transitional', 'healthy'] as const) {
    if (own[cls]?.includes(word)) return cls;
  }
  for (const cls of ['troubled', 'transitional', 'healthy'] as const) {
    if ((common[cls] as readonly string[]).includes(word)) return cls;
  }
  // A word nobody listed: trust the obvious stems before giving up.
  if (/fail|error|impair|degrad|unhealthy|crash|stopped|terminated|unavailable/.test(word)) return 'troubled';
  if (/ing$/.test(word)) return 'transitional';
  return 'unknown';
}

/** How crawlers store a state: the provider's word, trimmed and lower-cased ("VM running" → "vm running"). */
export function normalizeState(state: string | undefined): string {
  return (state ?? '').trim().toLowerCase().replace(/\s+/g, ' ');
}

/** A state worth acting on. */
export function isTroubledState(provider: Provider, state: string): boolean {
  return stateClass(provider, state) === 'troubled';
}
