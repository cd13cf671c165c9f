import { randomUUID } from 'node:crypto';
import { OAuth2Client } from 'google-auth-library';
import type { ActionTarget } from '../../src/approvals/executor.ts';
import type { ExecutorCredentials } from '../../src/approvals/executors/index.ts';
import type { ApprovalRequest, ProposedAction } from '../../src/approvals/types.ts';
import type { CloudAccountConfig } from '../../src/tenancy/organization.ts';

/**
 * Credentials that the SDKs accept without reaching any identity service: static AWS keys, an Azure
 * bearer token, a Google OAuth2 client holding an access token. Requests are then answered by nock
 * in each provider's own wire format.
 */
export function staticCredentials(): ExecutorCredentials & { calls: string[] } {
  const calls: string[] = [];
  const google = new OAuth2Client();
  google.setCredentials({ access_token: 'ya29.test-token', expiry_date: Date.now() + 3_600_000 });
  return {
    calls,
    aws: (orgId, account, region) => {
      calls.push(`aws:${orgId}:${account.accountId}:${region}`);
      return async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session' });
    },
    azure: (orgId, account) => {
      calls.push(`azure:${orgId}:${account.accountId}`);
      return { getToken: async () => ({ token: 'azure-test-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    },
    gcp: (orgId, account) => {
      calls.push(`gcp:${orgId}:${account.accountId}`);
      return google;
    },
  };
}

export function target(resourceId: string, name: string, account: CloudAccountConfig): ActionTarget {
  return { orgId: 'demo', resourceId, name, account };
}

export function action(kind: string, params: Record<string, unknown>, t: ActionTarget): ProposedAction {
  return { kind, params, targetResourceId: t.resourceId, targetName: t.name, accountId: t.account.accountId };
}

/** An approved request as the store hands it to the executor. */
export function approved(a: ProposedAction): ApprovalRequest {
  return {
    id: randomUUID(), orgId: 'demo', action: a, risk: 'low', requiredRole: 'operator', reason: 'test', requestedBy: 'U1',
    conversation: { platform: 'slack', workspaceId: ':T1', channelId: 'C1' }, state: 'executing',
    createdAt: '2026-11-21T10:00:00.000Z', expiresAt: '2026-11-21T14:00:00.000Z', decisions: [],
  };
}

/**
 * Form fields of an AWS query-protocol request body (EC2, Auto Scaling): nock hands reply
 * functions the raw text and body matchers an already parsed (null-prototype) object.
 */
export function formFields(body: unknown): Record<string, string> {
  if (typeof body === 'string') return Object.fromEntries(new URLSearchParams(body));
  return Object.fromEntries(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}
