import type { Activity, CloudAdapter, ConversationReference } from 'botbuilder';
import type { Logger } from '../../src/logging.ts';
import { withinTime } from '../../src/outbound.ts';
import type { ChannelReference } from './references.ts';
import { withRetry, type RetryPolicy } from './retry.ts';

/** Outbound calls in one conversation: post, update, typing, each retried on Teams' rate-limit answers. */
export interface Outbox {
  /** Posts an activity; resolves to the id Teams gave it. */
  send(activity: Partial<Activity>): Promise<string | undefined>;
  update(activityId: string, activity: Partial<Activity>): Promise<void>;
  typing(): Promise<void>;
}

/**
 * Everything the bot says goes out here, after the turn that triggered it has returned (Teams holds
 * the HTTP response for the whole turn): `continueConversationAsync` with a stored reference.
 */
/** Default bound of one Bot Connector call (post, update, typing), its retries excluded. */
export const defaultTeamsCallTimeoutMs = 15_000;

export class TeamsConnector {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly appId: string,
    private readonly retry: RetryPolicy,
    private readonly log: Logger,
    private readonly callTimeoutMs = defaultTeamsCallTimeoutMs,
  ) {}

  async open(reference: ChannelReference, work: (outbox: Outbox) => Promise<void>): Promise<void> {
    await this.adapter.continueConversationAsync(this.appId, reference as Partial<ConversationReference>, async (context) => {
      // The continuation activity's random id would become replyToId; the conversation id already
      // names the thread, so every post goes to POST /v3/conversations/{id}/activities.
      context.onSendActivities(async (_context, activities, next) => {
        for (const activity of activities) delete activity.replyToId;
        return next();
      });
      const onRetry = (status: number, delayMs: number): void => {
        this.log.warn({ status, delayMs, conversation: reference.conversation.id }, 'Teams asked to slow down; retrying');
      };
      // botbuilder's connector client sets no request timeout: each attempt is bounded here.
      const bounded = <T>(what: string, call: () => Promise<T>) => () => withinTime(this.callTimeoutMs, `Teams ${what}`, call);
      await work({
        send: async (activity) => (await withRetry(bounded('send', () => context.sendActivity(activity)), this.retry, onRetry))?.id,
        update: async (activityId, activity) => {
          await withRetry(bounded('update', () => context.updateActivity({ type: 'message', ...activity, id: activityId })), this.retry, onRetry);
        },
        typing: async () => {
          await withRetry(bounded('typing', () => context.sendActivity({ type: 'typing' })), this.retry, onRetry);
        },
      });
    });
  }
}

/**
 * A "working on it" message that follows the investigation: the latest step wins, updates never
 * overlap (Teams allows a handful of operations per second per thread), and `finish` replaces it
 * with the answer once any update in flight is done.
 */
export class Placeholder {
  private pending: Partial<Activity> | undefined;
  private inFlight: Promise<void> | undefined;
  private finished = false;

  constructor(private readonly outbox: Outbox, private readonly activityId: string, private readonly log: Logger) {}

  show(activity: Partial<Activity>): void {
    if (this.finished) return;
    this.pending = activity;
    this.inFlight ??= this.flush();
  }

  async finish(activity: Partial<Activity>): Promise<void> {
    this.finished = true;
    this.pending = undefined;
    await this.inFlight;
    await this.outbox.update(this.activityId, activity);
  }

  private async flush(): Promise<void> {
    while (this.pending && !this.finished) {
      const next = this.pending;
      this.pending = undefined;
      try {
        await this.outbox.update(this.activityId, next);
      } catch (error) {
        this.log.warn({ err: error }, 'could not update the progress message');
      }
    }
    this.inFlight = undefined;
  }
}
