import type { Activity, TurnContext } from 'botbuilder';
import { interruptedText, type BackgroundWork } from '../../src/background.ts';
import type { DecisionOutcome } from '../../src/approvals/service.ts';
import { describeError } from '../../src/errors.ts';
import type { ApprovalRequest } from '../../src/approvals/types.ts';
import type { RequestContext } from '../../src/request.ts';
import { parseCommand } from '../../src/commands.ts';
import type { Companion } from '../../src/companion.ts';
import type { Logger } from '../../src/logging.ts';
import { Placeholder, type Outbox, type TeamsConnector } from './connector.ts';
import { teamsHelpText, stepLabel } from './help.ts';
import { approveVerb, undoVerb } from './ids.ts';
import {
  type ActivityBase, ApprovalInvokeActivity, botWasAdded, botWasRemoved, inboundFrom, InstallActivity, isChannel, mentionsBot, MessageActivity, placeOf, questionText, tenantOf,
} from './inbound.ts';
import { inConversation, type ChannelReference, type ReferenceBook } from './references.ts';
import { deliverFitted, sendFitted, undeliveredText } from './delivery.ts';
import { approvalMessage, cardMessage, contentMessages, resultLine, textMessage } from './messages.ts';
import { plain } from './markdown.ts';
import { renderApproval, renderProgress, renderText, type AdaptiveCard } from './render.ts';
import type { IdempotencyStore } from '../../src/stores/idempotency.ts';

export interface HandlerDeps {
  companion: Companion;
  idempotency: IdempotencyStore;
  background: BackgroundWork;
  connector: TeamsConnector;
  references: ReferenceBook;
  logger: Logger;
  /** How long an Approve/Deny click may take before the card answers "still working" (Teams waits ~15 s). */
  invokeBudgetMs: number;
}

const activityDedupeTtlMs = 60 * 60 * 1000;
/** A conversation is welcomed once; removing the app forgets it, so a reinstall is welcomed again. */
const welcomeTtlMs = 365 * 24 * 60 * 60 * 1000;
/** The placeholder while every investigation slot is taken (MAX_CONCURRENT_INVESTIGATIONS). */
const queuedText = (ahead: number): string => `Queued${ahead > 0 ? ` behind ${ahead} other question(s)` : ': next in line'}; I will start as soon as a running investigation is done.`;

interface InvokeBody {
  statusCode: number;
  type: string;
  value: unknown;
}

/**
 * One Teams turn. Messages and installs only capture what is needed and return at once; the answer
 * is posted later through the stored reference. Approve/Deny invokes answer in the HTTP response with
 * the refreshed card, as Action.Execute requires, and update the card for everyone afterwards.
 */
export class TeamsHandlers {
  constructor(private readonly deps: HandlerDeps) {}

  async turn(context: TurnContext): Promise<void> {
    const activity: unknown = context.activity;
    switch (context.activity.type) {
      case 'message':
        return this.message(activity);
      case 'invoke':
        return this.invoke(context, activity);
      case 'conversationUpdate':
      case 'installationUpdate':
        return this.install(activity);
      default:
        return;
    }
  }

  private async message(raw: unknown): Promise<void> {
    const parsed = MessageActivity.safeParse(raw);
    if (!parsed.success) {
      this.deps.logger.warn({ issues: parsed.error.issues.length }, 'malformed Teams message activity');
      return;
    }
    const activity = parsed.data;
    // With resource-specific consent a bot hears every channel message; it answers only its @mentions.
    if (isChannel(activity) && !mentionsBot(activity)) return;
    // Teams redelivers when a turn is slow or fails; the activity id runs the work once, across replicas.
    const key = `teams:activity:${tenantOf(activity) ?? ''}:${activity.conversation.id}:${activity.id}`;
    if (!(await this.deps.idempotency.claim(key, activityDedupeTtlMs))) {
      this.deps.logger.info({ activityId: activity.id }, 'duplicate Teams activity ignored');
      return;
    }
    this.deps.background.run('teams.message', () => this.answer(activity), () => this.interrupted(activity));
  }

  private async answer(activity: MessageActivity): Promise<void> {
    const channel = await this.channelReference(activity);
    const place = placeOf(activity);
    await this.deps.connector.open(inConversation(channel, place.threadId ?? activity.conversation.id), async (outbox) => {
      // The typing indicator is a courtesy: its failure must not cost the answer.
      await outbox.typing().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not send the typing indicator'));
      const resolution = await this.deps.companion.resolveContext(inboundFrom(activity));
      if (!resolution.ok) {
        await outbox.send(textMessage(resolution.message));
        return;
      }
      const intent = parseCommand(questionText(activity));
      if (intent.kind === 'help') {
        await outbox.send(cardMessage(renderText(teamsHelpText), 'How to use Cloud Companion'));
        return;
      }
      // Take a place in line first, so the placeholder can say whether the investigation is queued.
      const live: { placeholder?: Placeholder } = {};
      let placed: () => void = () => undefined;
      const replied = this.deps.companion.handle({ context: resolution.context, intent }, {
        onToolStart: (tool) => live.placeholder?.show(cardMessage(renderProgress(stepLabel(tool)), stepLabel(tool))),
        ready: new Promise<void>((resolve) => { placed = resolve; }),
      });
      const queue = this.deps.companion.queue;
      const inLine = queue.running + queue.waiting;
      const waitText = inLine > queue.limit ? queuedText(inLine - queue.limit - 1) : 'Looking into it…';
      const placeholderId = await outbox.send(cardMessage(renderProgress(waitText), waitText)).finally(placed);
      const placeholder = placeholderId ? new Placeholder(outbox, placeholderId, this.deps.logger) : undefined;
      live.placeholder = placeholder;
      let failure: unknown;
      let rest: Partial<Activity>[] = [];
      try {
        const [answer, ...others] = await contentMessages(await replied);
        rest = others;
        if (answer) await this.replacePlaceholder(outbox, placeholder, answer);
      } catch (error) {
        failure = error;
        // The placeholder must never keep saying "Drawing the diagram…": it says what happened instead.
        if (placeholder) await placeholder.finish(cardMessage(renderText(undeliveredText(error)), 'The answer could not be posted')).catch((e: unknown) => this.deps.logger.warn({ err: e }, 'could not update the progress message'));
      }
      // Pictures that travel alone, then the approval cards: each is posted even when the answer or another one failed.
      for (const activity of rest) {
        await sendFitted(outbox, activity).catch((error: unknown) => {
          failure ??= error;
          this.deps.logger.warn({ err: error }, 'could not post a message of the answer');
        });
      }
      if (failure) throw failure;
    });
  }

  /** Shutdown cut the answer short: say so in the thread, so nobody waits for an answer that will not come. */
  private async interrupted(activity: MessageActivity): Promise<void> {
    const channel = await this.channelReference(activity);
    const place = placeOf(activity);
    await this.deps.connector.open(inConversation(channel, place.threadId ?? activity.conversation.id), async (outbox) => {
      await outbox.send(textMessage(interruptedText));
    });
  }

  /**
   * The answer replaces the placeholder (without its pictures if Teams refuses it as too large); if
   * that update fails otherwise (the message was deleted), it is posted anew.
   */
  private async replacePlaceholder(outbox: Outbox, placeholder: Placeholder | undefined, answer: Partial<Activity>): Promise<void> {
    if (placeholder) {
      try {
        await deliverFitted(answer, (activity) => placeholder.finish(activity));
        return;
      } catch (error) {
        this.deps.logger.warn({ err: error }, 'could not update the progress message; posting the answer as a new one');
      }
    }
    await sendFitted(outbox, answer);
    // The placeholder must not keep showing a progress step above the answer.
    if (placeholder) await placeholder.finish(cardMessage(renderText('The answer follows below.'), 'The answer follows below.')).catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not update the progress message'));
  }

  private async invoke(context: TurnContext, raw: unknown): Promise<void> {
    const respond = async (status: number, body?: InvokeBody): Promise<void> => {
      await context.sendActivity({ type: 'invokeResponse', value: { status, ...(body ? { body } : {}) } });
    };
    if (context.activity.name !== 'adaptiveCard/action') {
      await respond(501);
      return;
    }
    const parsed = ApprovalInvokeActivity.safeParse(raw);
    if (!parsed.success) {
      this.deps.logger.warn({ issues: parsed.error.issues.length }, 'Adaptive Card action without a valid approval');
      await respond(200, errorBody(400, 'BadRequest', 'This card action is not one I know; ask again to get a fresh card.'));
      return;
    }
    const activity = parsed.data;
    const resolution = await this.deps.companion.resolveContext(inboundFrom(activity)).catch((error: unknown) => {
      this.deps.logger.error({ err: error }, 'card action: the workspace could not be resolved');
      return { ok: false as const, message: `I could not read this workspace's settings (${describeError(error)}); nothing was decided. Try again in a minute.` };
    });
    if (!resolution.ok) {
      await respond(200, messageBody(resolution.message));
      return;
    }
    const { approvalId } = activity.value.action.data;
    if (activity.value.action.verb === undoVerb) {
      await respond(200, await this.undo(activity, resolution.context, approvalId));
      return;
    }
    // Never a silent failure: a decision that throws is answered as unavailable, with what to do.
    const decision = this.deps.companion.decide(resolution.context, approvalId, activity.value.action.verb === approveVerb ? 'approve' : 'deny')
      .catch((error: unknown): DecisionOutcome => {
        this.deps.logger.error({ err: error, approvalId }, 'approval click failed');
        return { kind: 'unavailable', message: `I could not apply your decision (${describeError(error)}). Try again in a minute; if it was recorded after all, the result will be posted in this thread.` };
      });
    const outcome = await withinBudget(decision, this.deps.invokeBudgetMs);
    if (!outcome) {
      // Still running after the budget: answer now, and follow up in the thread when it finishes.
      this.deps.background.run('teams.approval.followup', async () => this.followUp(activity, await decision));
      await respond(200, messageBody('Your decision is being applied; the result will be posted in this thread.'));
      return;
    }
    await respond(200, this.invokeAnswer(outcome));
    this.deps.background.run('teams.approval.followup', () => this.followUp(activity, outcome));
  }

  /**
   * Undo: proposes the rollback as a new request, whose card is posted in the thread for anyone with
   * the role to approve; a refusal is answered to the clicker only.
   */
  private async undo(activity: ApprovalInvokeActivity, context: RequestContext, approvalId: string): Promise<InvokeBody> {
    const proposal = this.deps.companion.proposeRollback(context, approvalId);
    const result = await withinBudget(proposal, this.deps.invokeBudgetMs);
    const post = async (approval: ApprovalRequest): Promise<void> => {
      const channel = await this.channelReference(activity);
      const who = plain(activity.from.name ?? 'Someone');
      await this.deps.connector.open(inConversation(channel, activity.conversation.id), async (outbox) => {
        await outbox.send({ ...approvalMessage(approval), text: `**${who}** asked to undo "${approval.action.kind}" on ${plain(approval.action.targetName)}` });
      });
    };
    if (!result) {
      this.deps.background.run('teams.undo', async () => {
        const late = await proposal;
        if (late.ok && !late.existing) await post(late.approval);
      });
      return messageBody('Preparing the undo; its approval card will be posted in this thread.');
    }
    if (!result.ok) return messageBody(result.message);
    // A second click (or a retry, on any replica): its card is already in the thread.
    if (result.existing) return messageBody(`The undo is already proposed in this thread (request ${result.approval.id}, ${result.approval.state}).`);
    this.deps.background.run('teams.undo', () => post(result.approval));
    return messageBody(`Undo proposed: its approval card follows in this thread (request ${result.approval.id}).`);
  }

  private invokeAnswer(outcome: DecisionOutcome): InvokeBody {
    switch (outcome.kind) {
      case 'forbidden':
      case 'not_found':
      case 'unavailable':
      case 'accepted':
        return messageBody(outcome.message);
      case 'already_decided':
      case 'expired':
      case 'denied':
      case 'executed':
        return cardBody(renderApproval(outcome.approval));
    }
  }

  /** The invoke answer changed the card for the clicker only: update it for everyone, and report the result in the thread. */
  private async followUp(activity: ApprovalInvokeActivity, outcome: DecisionOutcome): Promise<void> {
    if (outcome.kind !== 'executed' && outcome.kind !== 'denied' && outcome.kind !== 'expired' && outcome.kind !== 'accepted') return;
    const channel = await this.channelReference(activity);
    const approval = outcome.approval;
    await this.deps.connector.open(inConversation(channel, activity.conversation.id), async (outbox) => {
      if (activity.replyToId) await outbox.update(activity.replyToId, approvalMessage(approval));
      if (outcome.kind === 'executed') await outbox.send(textMessage(resultLine(approval)));
      if (outcome.kind === 'accepted') await outbox.send(textMessage(`⏳ **${plain(activity.from.name ?? 'Someone')}** approved "${approval.action.kind}" on ${plain(approval.action.targetName)}. ${plain(outcome.message)}`));
    });
  }

  private async install(raw: unknown): Promise<void> {
    const parsed = InstallActivity.safeParse(raw);
    if (!parsed.success) return;
    const activity = parsed.data;
    this.deps.background.run('teams.install', async () => {
      const channel = await this.channelReference(activity);
      // Teams announces one install twice (installationUpdate and conversationUpdate): one welcome per conversation.
      const welcomeKey = `teams:welcome:${tenantOf(activity) ?? ''}:${activity.conversation.id}`;
      if (botWasRemoved(activity)) {
        await this.deps.idempotency.release(welcomeKey);
        return;
      }
      if (!botWasAdded(activity)) return;
      if (!(await this.deps.idempotency.claim(welcomeKey, welcomeTtlMs))) return;
      this.deps.logger.info({ tenantId: tenantOf(activity), conversation: channel.conversation.id }, 'Cloud Companion added to a Teams conversation');
      const resolution = await this.deps.companion.resolveContext(inboundFrom(activity));
      await this.deps.connector.open(channel, async (outbox) => {
        await outbox.send(resolution.ok
          ? cardMessage(renderText(teamsHelpText), 'Cloud Companion is here')
          : textMessage(resolution.message));
      });
    });
  }

  /** Captures (and stores, for alerts and other replicas) the reference of the channel or chat an activity came from. */
  private async channelReference(activity: ActivityBase): Promise<ChannelReference> {
    try {
      const stored = await this.deps.references.capture(activity);
      if (stored) return stored;
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not store the Teams conversation reference');
    }
    // No tenant (or the store is down): answer from the activity itself, without storing.
    return {
      channelId: activity.channelId,
      serviceUrl: activity.serviceUrl,
      bot: { id: activity.recipient.id },
      conversation: { id: activity.conversation.id },
    };
  }
}

async function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), budgetMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function cardBody(content: AdaptiveCard): InvokeBody {
  return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: content };
}

function messageBody(text: string): InvokeBody {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text };
}

function errorBody(statusCode: number, code: string, message: string): InvokeBody {
  return { statusCode, type: 'application/vnd.microsoft.error', value: { code, message } };
}

