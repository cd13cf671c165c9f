import type { ActionExecutor, ActionTarget, Check, ExecutionResult } from '../executor.ts';
import { validatedAction } from '../executor.ts';
import type { ApprovalRequest, ProposedAction } from '../types.ts';
import { awsHandlers } from './aws.ts';
import { azureHandlers } from './azure.ts';
import { gcpHandlers } from './gcp.ts';
import type { ExecutorOptions, HandlerInput, KindHandler } from './handler.ts';
import { errorShape, ProviderRefusal } from './refusal.ts';

export type { ExecutorCredentials, ExecutorOptions } from './handler.ts';

const handlers: Readonly<Record<string, KindHandler>> = { ...awsHandlers, ...azureHandlers, ...gcpHandlers };

/** The kinds the live executor can run; a test checks it covers the whole catalog. */
export const liveKinds: readonly string[] = Object.keys(handlers);

/**
 * Runs actions for real, in the customer's cloud, through each provider's SDK (ACTION_EXECUTOR=live).
 * It re-validates the stored parameters before every call and never throws: a provider's refusal,
 * a network failure or a bug comes back as `ok: false` with a message the thread can show.
 */
export class LiveExecutor implements ActionExecutor {
  readonly name = 'live';

  constructor(private readonly options: ExecutorOptions) {}

  dryRun(action: ProposedAction, target: ActionTarget): Promise<Check> {
    return this.run(action, target, undefined, 'check', async (handler, input) => ({ ok: true, message: await handler.dryRun(input) }));
  }

  execute(approval: ApprovalRequest, target: ActionTarget): Promise<ExecutionResult> {
    return this.run(approval.action, target, approval.id, 'run', async (handler, input) => ({ ok: true, ...(await handler.execute(input)) }));
  }

  verify(approval: ApprovalRequest, target: ActionTarget): Promise<Check> {
    return this.run(approval.action, target, undefined, 'read back', (handler, input) => handler.verify(input));
  }

  private async run<T extends Check>(action: ProposedAction, target: ActionTarget, requestId: string | undefined, verb: string, work: (handler: KindHandler, input: HandlerInput) => Promise<T>): Promise<T | Check> {
    const valid = validatedAction(action);
    if (!valid.ok) return { ok: false, message: valid.message };
    const handler = handlers[action.kind];
    if (!handler) return { ok: false, message: `No live executor handles ${action.kind}; nothing was run.` };
    if (action.targetResourceId !== target.resourceId || action.accountId !== target.account.accountId) {
      return { ok: false, message: `The target changed between the request and the run; nothing was run.` };
    }
    const what = `${verb} "${lowerFirst(valid.describe)}"`;
    try {
      return await work(handler, { target, params: valid.params, options: this.options, ...(requestId ? { requestId } : {}) });
    } catch (error) {
      if (error instanceof ProviderRefusal) return error.toCheck(what);
      const { name, message } = errorShape(error);
      return { ok: false, message: `Could not ${what}: ${name}: ${message}`, providerCode: name };
    }
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
