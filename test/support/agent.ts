import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { ProgressEvent } from '../../src/agent/progress.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logging.ts';
import type { Reply } from '../../src/reply.ts';
import type { Intent, RequestContext } from '../../src/request.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';

/** The demo runtime (two tenants, in-process stores) with the agent on the given chat model. */
export async function agentRuntime(model: BaseChatModel | undefined, env: Record<string, string> = {}): Promise<Runtime> {
  return createRuntime(loadConfig({ LOG_LEVEL: 'silent', ...env }), silentLogger(), model ? { chatModel: { model, name: 'scripted' } } : {});
}

/** A Slack-like context: demo's ops channel (every account and action) unless told otherwise. */
export async function slackContext(runtime: Runtime, options: { org?: 'demo' | 'globex'; channel?: string; user?: string; thread?: string } = {}): Promise<RequestContext> {
  const org = options.org ?? 'demo';
  const resolved = await runtime.companion.resolveContext({
    platform: 'slack', source: 'mention', channelId: options.channel ?? (org === 'demo' ? 'C0000OPS' : 'C0000GLOBEXOPS'),
    userId: options.user ?? (org === 'demo' ? 'U0000OPER' : 'U0000GLOBEX'), workspaceKey: org === 'demo' ? ':T00000001' : ':T00000002',
    workspace: { slackTeamId: org === 'demo' ? 'T00000001' : 'T00000002' },
    ...(options.thread ? { threadId: options.thread } : {}),
  });
  if (!resolved.ok) throw new Error(resolved.message);
  return resolved.context;
}

/** Asks through Companion.handle, as an adapter does, recording the progress events. */
export async function askWithProgress(runtime: Runtime, context: RequestContext, question: string | Intent): Promise<{ reply: Reply; events: ProgressEvent[] }> {
  const events: ProgressEvent[] = [];
  const intent: Intent = typeof question === 'string' ? { kind: 'ask', question } : question;
  const reply = await runtime.companion.handle({ context, intent }, { onProgress: (event) => { events.push(event); } });
  return { reply, events };
}

export function textOf(reply: Reply): string {
  return reply.parts.map((p) => (p.kind === 'text' ? p.markdown : '')).join('\n');
}

export function statusOf(reply: Reply): { text: string; degraded: readonly string[] } {
  const status = reply.parts.find((p) => p.kind === 'status');
  if (status?.kind !== 'status') throw new Error('reply has no status line');
  return status;
}

export function approvalsOf(reply: Reply) {
  return reply.parts.flatMap((p) => (p.kind === 'approval' ? [p.approval] : []));
}
