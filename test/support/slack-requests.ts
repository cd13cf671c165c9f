import { createHmac, randomBytes } from 'node:crypto';

/** Signs a body exactly as Slack does: v0=HMAC-SHA256(secret, `v0:${timestamp}:${body}`). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedPost {
  body: string;
  contentType: string;
  timestamp?: number;
  secret: string;
  signature?: string;
  headers?: Record<string, string>;
}

export async function postToSlackEndpoint(url: string, post: SignedPost): Promise<Response> {
  const timestamp = post.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': post.contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': post.signature ?? slackSignature(post.secret, timestamp, post.body),
      ...post.headers,
    },
    body: post.body,
  });
}

/** Slack gives every invocation its own trigger id; so does this, unless the test names one. */
export function slashCommandBody(fields: { team_id: string; user_id: string; channel_id: string; text: string; response_url: string; enterprise_id?: string; trigger_id?: string }): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_domain: 'demo',
    channel_name: 'ops',
    user_name: `${fields.user_id.toLowerCase()}`,
    command: '/cloud',
    api_app_id: 'A00000001',
    is_enterprise_install: 'false',
    trigger_id: `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(8).toString('hex')}`,
    ...fields,
  }).toString();
}

export function blockActionsBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
