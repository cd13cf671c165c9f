import { loadConfig } from '../../src/config.ts';
import { startBot, type RunningBot } from '../../src/compose.ts';
import { DryRunExecutor, type ActionExecutor, type Check, type ExecutionResult } from '../../src/approvals/executor.ts';
import type { ApprovalRequest, ProposedAction } from '../../src/approvals/types.ts';
import { silentLogger, type Logger } from '../../src/logging.ts';
import type { RuntimeOverrides } from '../../src/runtime.ts';

export const testSigningSecret = 'test-signing-secret-0123456789abcdef';
export const testBotToken = 'xoxb-test-token';

/** Wraps the dry-run executor and records what it ran, so a test can count executions. */
export class RecordingExecutor implements ActionExecutor {
  readonly name = 'recording dry-run';
  readonly executed: ApprovalRequest[] = [];
  private readonly inner = new DryRunExecutor();

  /** `changes`: report the action as having changed something (as a live executor does), so a verification follows. */
  constructor(private readonly options: { changes?: boolean } = {}) {}

  dryRun(action: ProposedAction): Promise<Check> {
    return this.inner.dryRun(action);
  }

  async execute(approval: ApprovalRequest): Promise<ExecutionResult> {
    this.executed.push(approval);
    const result = await this.inner.execute(approval);
    return this.options.changes && result.ok ? { ok: true, changed: true, message: `Ran ${approval.action.kind} on ${approval.action.targetName} (test executor).` } : result;
  }

  verify(): Promise<Check> {
    return this.inner.verify();
  }
}

/** The real server on a free loopback port, with Slack's Web API pointed at a local fake. */
export async function startTestBot(env: Record<string, string>, overrides: RuntimeOverrides = {}, logger: Logger = silentLogger()): Promise<RunningBot> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env });
  return startBot(config, logger, overrides);
}
