import { readFileSync } from 'node:fs';

export type ActivityJson = Record<string, unknown> & {
  id?: string;
  serviceUrl: string;
  conversation: Record<string, unknown> & { id: string };
  from: Record<string, unknown>;
  channelData?: Record<string, unknown>;
};

export type TeamsFixture = 'channel-mention' | 'personal-message' | 'invoke-approve' | 'conversation-update-install';

/** A captured-shape Teams activity from test/fixtures/teams/, pointed at the fake connector. */
export function teamsActivity(name: TeamsFixture, serviceUrl: string, patch: (activity: ActivityJson) => void = () => undefined): ActivityJson {
  const activity = JSON.parse(readFileSync(new URL(`../fixtures/teams/${name}.json`, import.meta.url), 'utf8')) as ActivityJson;
  activity.serviceUrl = serviceUrl;
  patch(activity);
  return activity;
}

/** Posts an activity to the bot the way the Bot Connector does. */
export async function postActivity(url: string, activity: unknown, authorization?: string): Promise<Response> {
  return fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(activity),
  });
}

/** Moves a fixture into another tenant (channelData.tenant and conversation.tenantId alike). */
export function inTenant(activity: ActivityJson, tenantId: string): void {
  activity.conversation.tenantId = tenantId;
  const channelData = activity.channelData ?? {};
  channelData.tenant = { id: tenantId };
  activity.channelData = channelData;
}
