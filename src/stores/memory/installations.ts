import { installationKey, type InstallationQuery, type InstallationStore, type StoredInstallation } from '../installations.ts';

/** Installations in process (the embedded default): lost on restart, so reinstall after one. */
export class MemoryInstallationStore implements InstallationStore {
  private readonly byKey = new Map<string, string>();

  async save(record: StoredInstallation): Promise<void> {
    // Stored as JSON so a caller mutating its object afterwards cannot change what was saved.
    this.byKey.set(installationKey(record), JSON.stringify(record));
  }

  async find(query: InstallationQuery): Promise<StoredInstallation | undefined> {
    const stored = this.byKey.get(installationKey(query));
    return stored === undefined ? undefined : JSON.parse(stored) as StoredInstallation;
  }

  async delete(query: InstallationQuery): Promise<void> {
    this.byKey.delete(installationKey(query));
  }

  async close(): Promise<void> {}
}
