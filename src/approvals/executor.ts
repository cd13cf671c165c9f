import type { ApprovalRequest } from './types.ts';
import { findActionKind } from './catalog.ts';

export interface ExecutionResult {
  ok: boolean;
  message: string;
}

/** Runs an approved action. Only ApprovalService calls it, and only after a winning transition. */
export interface ActionExecutor {
  readonly name: string;
  execute(approval: ApprovalRequest): Promise<ExecutionResult>;
}

/** Says exactly what would run, and runs nothing: the default until real executors are configured. */
export class DryRunExecutor implements ActionExecutor {
  readonly name = 'dry-run';

  async execute(approval: ApprovalRequest): Promise<ExecutionResult> {
    const kind = findActionKind(approval.action.kind);
    if (!kind) return { ok: false, message: `Unknown action kind ${approval.action.kind}; nothing was run.` };
    const parsed = kind.params.safeParse(approval.action.params);
    if (!parsed.success) return { ok: false, message: `Parameters no longer valid for ${kind.kind}; nothing was run.` };
    return { ok: true, message: `Dry run: ${kind.describe(parsed.data, approval.action.targetName)} (account ${approval.action.accountId}). Nothing was changed.` };
  }
}
