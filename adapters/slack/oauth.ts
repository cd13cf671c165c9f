import type { Installation, InstallationQuery, InstallationStore as BoltInstallationStore, InstallURLOptions } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Companion } from '../../src/companion.ts';
import type { Logger } from '../../src/logging.ts';
import type { InstallationStore } from '../../src/stores/installations.ts';
import { slackWorkspaceKey } from './ids.ts';

/** The scopes asked for at install: the one list in scopes.ts, which both manifests list too. */
export { slackBotScopes } from './scopes.ts';

/** What the bot needs of a stored installation; the rest is kept as Slack gave it. */
const StoredBoltInstallation = z.looseObject({
  bot: z.looseObject({ token: z.string().startsWith('xoxb-') }),
  isEnterpriseInstall: z.boolean().optional(),
});

/**
 * Bolt's installation store over ours (in-process or Neo4j), so every replica answers a workspace
 * installed through any of them. A workspace without an installation is an authorization failure,
 * which Bolt answers by dropping the request.
 */
export class InstallationStoreBridge implements BoltInstallationStore {
  constructor(private readonly store: InstallationStore) {}

  async storeInstallation(installation: Installation): Promise<void> {
    const isEnterpriseInstall = installation.isEnterpriseInstall === true;
    await this.store.save({
      ...(installation.enterprise?.id ? { enterpriseId: installation.enterprise.id } : {}),
      ...(!isEnterpriseInstall && installation.team?.id ? { teamId: installation.team.id } : {}),
      isEnterpriseInstall,
      installation: JSON.parse(JSON.stringify(installation)) as Record<string, unknown>,
      installedAt: new Date().toISOString(),
    });
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation> {
    const stored = await this.store.find(queryOf(query));
    if (!stored) throw new Error(`Cloud Companion is not installed in Slack ${query.isEnterpriseInstall ? `enterprise ${query.enterpriseId ?? ''}` : `workspace ${query.teamId ?? ''}`}; install it at /slack/install`);
    const parsed = StoredBoltInstallation.safeParse(stored.installation);
    if (!parsed.success) throw new Error('the stored Slack installation has no bot token; reinstall the app at /slack/install');
    return parsed.data as unknown as Installation;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    await this.store.delete(queryOf(query));
  }
}

function queryOf(query: InstallationQuery<boolean>): { enterpriseId?: string; teamId?: string; isEnterpriseInstall: boolean } {
  return {
    ...(query.enterpriseId ? { enterpriseId: query.enterpriseId } : {}),
    ...(query.teamId && !query.isEnterpriseInstall ? { teamId: query.teamId } : {}),
    isEnterpriseInstall: query.isEnterpriseInstall,
  };
}

/**
 * After an install: the installer gets a DM. A workspace no organization is bound to gets the
 * onboarding text with its ids (what an admin adds to tenants.yaml); a bound one a short welcome.
 * The browser gets a page saying the same.
 */
export function onInstalled(deps: { client: WebClient; companion: Companion; logger: Logger }) {
  return async (installation: Installation, _options: InstallURLOptions, _req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const teamId = installation.team?.id;
    const enterpriseId = installation.enterprise?.id;
    const installer = installation.user.id;
    const resolution = await deps.companion.resolveContext({
      platform: 'slack', source: 'mention', channelId: installer, userId: installer,
      workspace: { ...(teamId ? { slackTeamId: teamId } : {}), ...(enterpriseId ? { slackEnterpriseId: enterpriseId } : {}) },
      workspaceKey: slackWorkspaceKey(enterpriseId, teamId),
    });
    const text = resolution.ok
      ? 'Cloud Companion is installed. Invite me to a channel with `/invite @Cloud Companion`, then type `/cloud help`.'
      : resolution.message;
    deps.logger.info({ teamId, enterpriseId, bound: resolution.ok }, 'Slack app installed');
    const token = installation.bot?.token;
    if (token) {
      await deps.client.chat.postMessage({ token, channel: installer, text })
        .catch((error: unknown) => deps.logger.warn({ err: error, teamId }, 'could not DM the installer'));
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Cloud Companion installed</title><p>Cloud Companion is installed${resolution.ok ? '' : ', but this workspace is not connected to an organization yet'}. Check your Slack DMs for the next step.</p>`);
  };
}
