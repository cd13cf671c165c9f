import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstallationStore, StoredInstallation } from '../../src/stores/installations.ts';

/**
 * The behaviour every InstallationStore must have. Team and enterprise ids are random, so suites
 * can share one server without cleaning up.
 */
export function installationStoreContract(name: string, make: () => Promise<{ installations: InstallationStore; cleanup?: () => Promise<void> }>): void {
  describe(`InstallationStore contract: ${name}`, () => {
    let installations: InstallationStore;
    let cleanup: (() => Promise<void>) | undefined;
    let team: string;
    let enterprise: string;
    beforeEach(async () => {
      ({ installations, cleanup } = await make());
      team = `T${randomUUID().slice(0, 8).toUpperCase()}`;
      enterprise = `E${randomUUID().slice(0, 8).toUpperCase()}`;
    });
    afterEach(async () => {
      await cleanup?.();
    });

    function workspaceInstall(token: string, enterpriseId?: string): StoredInstallation {
      return {
        teamId: team, ...(enterpriseId ? { enterpriseId } : {}), isEnterpriseInstall: false, installedAt: '2026-11-21T10:00:00.000Z',
        installation: { team: { id: team, name: 'Demo' }, bot: { token, userId: 'UBOT', id: 'BBOT', scopes: ['commands', 'chat:write'] }, user: { id: 'UINSTALLER' }, tokenType: 'bot', isEnterpriseInstall: false, appId: 'A1', authVersion: 'v2', metadata: null },
      };
    }

    it('gives back what was saved, and nothing for another workspace', async () => {
      const saved = workspaceInstall('xoxb-1');
      await installations.save(saved);
      await expect(installations.find({ teamId: team, isEnterpriseInstall: false })).resolves.toEqual(saved);
      await expect(installations.find({ teamId: `${team}X`, isEnterpriseInstall: false })).resolves.toBeUndefined();
      // A workspace of an Enterprise Grid org is its own key: the same team id under an enterprise is another install.
      await expect(installations.find({ teamId: team, enterpriseId: enterprise, isEnterpriseInstall: false })).resolves.toBeUndefined();
    });

    it('replaces the installation of a workspace on reinstall', async () => {
      await installations.save(workspaceInstall('xoxb-old'));
      const again = { ...workspaceInstall('xoxb-new'), installedAt: '2026-11-22T10:00:00.000Z' };
      await installations.save(again);
      await expect(installations.find({ teamId: team, isEnterpriseInstall: false })).resolves.toEqual(again);
    });

    it('keys an org-wide install by its enterprise, whatever workspace asks', async () => {
      const orgWide: StoredInstallation = {
        enterpriseId: enterprise, isEnterpriseInstall: true, installedAt: '2026-11-21T10:00:00.000Z',
        installation: { enterprise: { id: enterprise }, bot: { token: 'xoxb-org' }, isEnterpriseInstall: true },
      };
      await installations.save(orgWide);
      await expect(installations.find({ enterpriseId: enterprise, teamId: team, isEnterpriseInstall: true })).resolves.toEqual(orgWide);
      await expect(installations.find({ enterpriseId: enterprise, isEnterpriseInstall: true })).resolves.toEqual(orgWide);
      await expect(installations.find({ enterpriseId: enterprise, teamId: team, isEnterpriseInstall: false })).resolves.toBeUndefined();
    });

    it('forgets a deleted installation, and ignores deleting an unknown one', async () => {
      await installations.save(workspaceInstall('xoxb-1', enterprise));
      await installations.delete({ teamId: team, enterpriseId: enterprise, isEnterpriseInstall: false });
      await expect(installations.find({ teamId: team, enterpriseId: enterprise, isEnterpriseInstall: false })).resolves.toBeUndefined();
      await expect(installations.delete({ teamId: 'TNOBODY', isEnterpriseInstall: false })).resolves.toBeUndefined();
    });

    it('is not changed by a caller mutating the saved object afterwards', async () => {
      const saved = workspaceInstall('xoxb-1');
      await installations.save(saved);
      (saved.installation.bot as { token: string }).token = 'xoxb-mutated';
      const found = await installations.find({ teamId: team, isEnterpriseInstall: false });
      expect((found?.installation.bot as { token: string }).token).toBe('xoxb-1');
    });
  });
}
