import type { CloudAccountConfig } from '../tenancy/organization.ts';
import { findActionKind } from './catalog.ts';
import type { ApprovalRequest, JsonValue, ProposedAction, RollbackPlan } from './types.ts';

/** Where an action runs: the resource and the account it lives in, as configured for the organization. */
export interface ActionTarget {
  orgId: string;
  resourceId: string;
  name: string;
  account: CloudAccountConfig;
}

/** A provider's answer to "would this work?" or "did it take?". */
export interface Check {
  ok: boolean;
  message: string;
  /** The provider's error code when it refused, e.g. UnauthorizedOperation. */
  providerCode?: string;
}

export interface ExecutionResult extends Check {
  /** false when nothing was changed on purpose (the dry-run executor). */
  changed?: boolean;
  /** The state before the change, for reversible kinds. */
  priorState?: Record<string, JsonValue>;
  /** How to put the prior state back, when it can be. */
  rollback?: RollbackPlan;
}

/**
 * Runs actions in the customer's cloud. `dryRun` runs when a request is proposed and changes
 * nothing; `execute` runs only after a winning approved → executing transition, with exactly the
 * stored kind, parameters and target; `verify` reads the target back some minutes later. None of
 * them throws for a provider's refusal: it comes back as `ok: false` with the provider's reason.
 */
export interface ActionExecutor {
  readonly name: string;
  dryRun(action: ProposedAction, target: ActionTarget): Promise<Check>;
  execute(approval: ApprovalRequest, target: ActionTarget): Promise<ExecutionResult>;
  verify(approval: ApprovalRequest, target: ActionTarget): Promise<Check>;
}

/** The stored parameters, re-validated against the kind's schema right before anything runs. */
export function validatedAction(action: ProposedAction): { ok: true; describe: string; params: Record<string, unknown> } | { ok: false; message: string } {
  const kind = findActionKind(action.kind);
  if (!kind) return { ok: false, message: `Unknown action kind ${action.kind}; nothing was run.` };
  const parsed = kind.params.safeParse(action.params);
  if (!parsed.success) return { ok: false, message: `The parameters of this request are no longer valid for ${kind.kind}; nothing was run.` };
  return { ok: true, describe: kind.describe(parsed.data, action.targetName), params: parsed.data as Record<string, unknown> };
}

/** Says exactly what would run, and runs nothing: the default (ACTION_EXECUTOR=dry-run). */
export class DryRunExecutor implements ActionExecutor {
  readonly name = 'dry-run';

  async dryRun(action: ProposedAction): Promise<Check> {
    const valid = validatedAction(action);
    if (!valid.ok) return { ok: false, message: valid.message };
    return { ok: true, message: `Would ${lowerFirst(valid.describe)} (account ${action.accountId}). This bot runs the dry-run executor: approving changes nothing.` };
  }

  async execute(approval: ApprovalRequest): Promise<ExecutionResult> {
    const valid = validatedAction(approval.action);
    if (!valid.ok) return { ok: false, message: valid.message };
    return { ok: true, changed: false, message: `Dry run: ${valid.describe} (account ${approval.action.accountId}). Nothing was changed.` };
  }

  async verify(): Promise<Check> {
    return { ok: true, message: 'The metrics below are re-read all the same.' };
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
