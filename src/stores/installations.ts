/**
 * Slack app installations (multi-workspace OAuth): what Bolt's installation store keeps, as opaque
 * JSON the Slack adapter validates when it reads it back (the core never imports the Slack SDK).
 * An org-wide Enterprise Grid install is keyed by its enterprise; any other by its workspace.
 */
export interface InstallationQuery {
  enterpriseId?: string;
  teamId?: string;
  isEnterpriseInstall: boolean;
}

export interface StoredInstallation extends InstallationQuery {
  /** The installation as the platform's SDK describes it (tokens included). */
  installation: Record<string, unknown>;
  installedAt: string;
}

export interface InstallationStore {
  /** Inserts or replaces the installation of its workspace (or enterprise). */
  save(record: StoredInstallation): Promise<void>;
  find(query: InstallationQuery): Promise<StoredInstallation | undefined>;
  /** Forgets an installation (app uninstalled, tokens revoked); unknown ones are ignored. */
  delete(query: InstallationQuery): Promise<void>;
  close(): Promise<void>;
}

export function installationKey(query: InstallationQuery): string {
  return query.isEnterpriseInstall
    ? JSON.stringify(['enterprise', query.enterpriseId ?? ''])
    : JSON.stringify(['team', query.enterpriseId ?? '', query.teamId ?? '']);
}
