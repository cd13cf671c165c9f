import { randomUUID } from 'node:crypto';
import { approveActionId } from '../../adapters/slack/ids.ts';
import type { ApprovalRequest, ApprovalState, ApprovalStore, TransitionResult } from '../../src/approvals/types.ts';
import type { RequestContext } from '../../src/request.ts';
import type { CloudResource } from '../../src/stores/graph.ts';
import { blockActionsBody } from './slack-requests.ts';

/** The demo estate's checkout-api, as the approval service needs it for a proposal. */
export const demoCheckoutApi: CloudResource = {
  id: 'arn:aws:ecs:us-east-1:111111111111:service/prod-cluster/checkout-api', provider: 'aws', accountId: '111111111111',
  type: 'aws.ecs.service', name: 'checkout-api', region: 'us-east-1', state: 'degraded', tags: {},
};

/** A request in the demo organization's ops channel, in its own thread. */
export function opsContext(threadId: string, userId = 'U0000OPER'): RequestContext {
  return {
    orgId: 'demo', requestId: randomUUID(), source: 'slash', actor: { platform: 'slack', userId, role: 'viewer' },
    conversation: { platform: 'slack', workspaceId: ':T00000001', channelId: 'C0000OPS', threadId },
    accountIds: ['111111111111', '222222222222'], allowedActions: ['*'],
  };
}

/** A signed-body-ready Approve click on a card in `threadTs`, as Slack sends it. */
export function approveClickBody(approvalId: string, threadTs: string, responseUrl: string, userId = 'U0000ADMIN'): string {
  return blockActionsBody({
    type: 'block_actions', team: { id: 'T00000001', domain: 'demo' }, user: { id: userId, username: userId.toLowerCase(), team_id: 'T00000001' },
    api_app_id: 'A00000001', token: 'x', trigger_id: randomUUID(), response_url: responseUrl, channel: { id: 'C0000OPS', name: 'ops' },
    container: { type: 'message', message_ts: threadTs, channel_id: 'C0000OPS', thread_ts: threadTs },
    message: { type: 'message', ts: threadTs, thread_ts: threadTs, text: 'Approval needed', blocks: [] },
    actions: [{ type: 'button', block_id: 'b', action_id: approveActionId, value: approvalId, text: { type: 'plain_text', text: 'Approve' }, action_ts: String(Date.now() / 1000) }],
  });
}

/**
 * An approval store that calls `afterApprove` right after a pending → approved write committed: the
 * exact window between approving and executing, where a test cuts the network or kills the process.
 * A proxy, so it wraps any version of the store interface.
 */
export function hookApprovals(inner: ApprovalStore, afterApprove: (approval: ApprovalRequest) => void): ApprovalStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'transition') {
        return async (orgId: string, id: string, from: ApprovalState, to: ApprovalState, ...rest: unknown[]): Promise<TransitionResult> => {
          const result = await (target.transition as (...args: unknown[]) => Promise<TransitionResult>).call(target, orgId, id, from, to, ...rest);
          if (result.ok && from === 'pending' && to === 'approved') afterApprove(result.approval);
          return result;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
