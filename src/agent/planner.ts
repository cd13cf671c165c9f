import type { Reply } from '../reply.ts';
import { isReadOnly, type Intent } from '../request.ts';
import { withReadOnlyProposals, type Toolset } from '../../tools/index.ts';
import { investigateAlert } from './alert-evidence.ts';
import { answerCommand, isCommand } from './command-answers.ts';
import { Degradations } from './evidence.ts';
import { investigateQuestion } from './investigation.ts';
import type { InvestigationInput, Investigator } from './investigator.ts';

/**
 * The deterministic planner: answers the commands (src/agent/command-answers.ts) itself and hands
 * questions and alerts to the investigation (src/agent/investigation.ts over the diagnosis stages of
 * src/diagnosis/). It needs no LLM and always gives the same answer for the same data.
 */
export class DeterministicPlanner implements Investigator {
  readonly name = 'deterministic planner';

  constructor(private readonly statusLabel: string) {}

  async investigate({ request, tools }: InvestigationInput): Promise<Reply> {
    const degraded = new Degradations();
    const reply = await this.answer(request.intent, tools, degraded);
    reply.parts.push({ kind: 'status', text: this.statusLabel, degraded: degraded.notes });
    return reply;
  }

  private async answer(intent: Intent, tools: Toolset, degraded: Degradations): Promise<Reply> {
    // Read-only intents (commands, hypotheticals) cannot propose, even when the caller's toolset could.
    const scoped = isReadOnly(intent) ? withReadOnlyProposals(tools) : tools;
    if (isCommand(intent)) return answerCommand(intent, scoped, degraded);
    switch (intent.kind) {
      case 'ask':
        return investigateQuestion(intent.question, scoped, degraded);
      case 'alert':
        return investigateAlert(intent.alert, scoped, degraded);
    }
  }
}
