import type { ChannelAddress, ChatChannels, PostedMessage } from '../chat/port.ts';
import type { Companion, Inbound } from '../companion.ts';
import { CompanionError } from '../errors.ts';
import type { Logger } from '../logging.ts';
import type { RequestContext } from '../request.ts';
import type { AlertInbox, InboxEntry } from '../stores/alert-inbox.ts';
import type { AlertStormStore } from '../stores/alert-storms.ts';
import type { AlertRecord, AlertThread, AlertThreadStore } from '../stores/alert-threads.ts';
import type { TenantDirectory } from '../tenancy/directory.ts';
import type { Organization } from '../tenancy/organization.ts';
import { channelPolicy } from '../tenancy/policy.ts';
import type { Alert } from './alert.ts';
import { alertParent, firedAgainNote, investigatingNote, resolvedNote, stormLine, stormSummary } from './messages.ts';

export interface AlertSettings {
  stormLimit: number;
  stormWindowSeconds: number;
  threadHours: number;
}

export interface AlertServiceDeps {
  companion: Companion;
  tenants: TenantDirectory;
  threads: AlertThreadStore;
  storms: AlertStormStore;
  inbox: AlertInbox;
  chat: ChatChannels;
  settings: AlertSettings;
  logger: Logger;
  now?: () => number;
}

/** How long a claimed inbox entry is held before another worker may take it over (investigations take minutes at most). */
const inboxLeaseMs = 10 * 60_000;

/** Where an alert arrived, which decides where its thread is. */
type Arrival =
  /** By webhook: the bot posts the parent in the organization's alert channel. */
  | { kind: 'webhook'; org: Organization; address: ChannelAddress }
  /** Posted by an integration in an alert channel: its own message is the thread's parent. */
  | { kind: 'channel'; org: Organization; inbound: Inbound; message: PostedMessage };

/** What became of one alert, for logs and tests. */
export type AlertOutcome = 'investigated' | 'suppressed' | 'noted_refire' | 'repeat' | 'resolved' | 'ignored_resolve' | 'pending';

/**
 * The alert lifecycle, shared by both ways in: a new fingerprint opens a thread and is investigated
 * there (unless the organization is in an alert storm); a repeat joins its thread; a resolve updates
 * it. Platform-neutral: it speaks through the chat port.
 */
export class AlertService {
  private readonly now: () => number;

  constructor(private readonly deps: AlertServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Where an organization's webhook alerts go, or a reason they cannot be posted. */
  alertChannel(org: Organization): { ok: true; address: ChannelAddress } | { ok: false; message: string } {
    const channel = org.alerts.channel;
    if (!channel) return { ok: false, message: `Organization "${org.id}" has no alert channel: set alerts.channel in tenants.yaml (see README, "Alerts").` };
    if (!this.deps.chat.get(channel.platform)) return { ok: false, message: `The alert channel of "${org.id}" is on ${channel.platform}, which is not configured on this bot.` };
    const workspaceId = channel.workspaceId ?? (channel.platform === 'slack' ? org.bindings.slack.teams[0] : org.bindings.teams.tenants[0]);
    return { ok: true, address: { platform: channel.platform, channelId: channel.channelId, ...(workspaceId ? { workspaceId } : {}) } };
  }

  /**
   * Delivers an accepted webhook delivery once: claimed (so the request's own task, a sweeper and
   * other replicas never deliver it twice), delivered, then removed. A crash mid-way leaves the
   * claim to lapse and a later sweep delivers it; alerts already threaded then join their threads.
   */
  async deliverQueued(entry: InboxEntry): Promise<boolean> {
    const now = this.now();
    if (!(await this.deps.inbox.claim(entry.orgId, entry.id, now, now + inboxLeaseMs))) return false;
    const org = await this.deps.tenants.getOrganization(entry.orgId);
    if (org) await this.deliver(org, entry.alerts);
    else this.deps.logger.warn({ orgId: entry.orgId, entry: entry.id }, 'queued alerts dropped: the organization no longer exists');
    await this.deps.inbox.complete(entry.orgId, entry.id);
    return true;
  }

  /** Delivers every queued entry nobody holds (after a restart, or a crashed replica's); returns how many. */
  async sweepInbox(batch = 50): Promise<number> {
    let delivered = 0;
    for (;;) {
      const pending = await this.deps.inbox.pending(this.now(), batch);
      for (const entry of pending) {
        try {
          if (await this.deliverQueued(entry)) delivered += 1;
        } catch (error) {
          this.deps.logger.error({ orgId: entry.orgId, entry: entry.id, err: error }, 'queued alerts could not be delivered; retrying after the claim lapses');
        }
      }
      if (pending.length < batch) break;
    }
    if (delivered > 0) this.deps.logger.info({ delivered }, 'queued alerts delivered');
    return delivered;
  }

  /** Alerts from a webhook: each gets its own thread in the organization's alert channel. */
  async deliver(org: Organization, alerts: readonly Alert[]): Promise<AlertOutcome[]> {
    const channel = this.alertChannel(org);
    if (!channel.ok) throw new CompanionError('input_invalid', channel.message);
    const outcomes: AlertOutcome[] = [];
    // One at a time: a group's alerts are ordered, and the storm limit counts them in order.
    for (const alert of alerts) outcomes.push(await this.handle(alert, { kind: 'webhook', org, address: channel.address }));
    return outcomes;
  }

  /** Whether a channel's policy makes integration posts there alerts (unbound workspaces: no). */
  async isAlertChannel(inbound: Inbound): Promise<boolean> {
    return (await this.alertChannelOrg(inbound)) !== undefined;
  }

  /**
   * An alert an integration posted in a channel. Returns undefined when the channel is not an alert
   * channel (or the workspace is unbound): such messages are none of the bot's business.
   */
  async channelMessage(inbound: Inbound, message: PostedMessage, alert: Alert): Promise<AlertOutcome | undefined> {
    const org = await this.alertChannelOrg(inbound);
    return org ? this.handle(alert, { kind: 'channel', org, inbound, message }) : undefined;
  }

  private async alertChannelOrg(inbound: Inbound): Promise<Organization | undefined> {
    const org = await this.deps.tenants.resolve(inbound.platform, inbound.workspace);
    return org && channelPolicy(org, inbound.platform, inbound.channelId).alerts ? org : undefined;
  }

  private async handle(alert: Alert, arrival: Arrival): Promise<AlertOutcome> {
    const { org } = arrival;
    const now = this.now();
    const ttl = this.deps.settings.threadHours * 3_600_000;
    const log = this.deps.logger.child({ orgId: org.id, fingerprint: alert.fingerprint, source: alert.source, arrival: arrival.kind });
    const observation = await this.deps.threads.observe(org.id, alert.fingerprint, { source: alert.source, title: alert.title, status: alert.status, ...(alert.startedAt ? { occurrence: alert.startedAt } : {}) }, now, ttl);
    log.info({ observation: observation.kind }, 'alert received');
    switch (observation.kind) {
      case 'opened':
        return this.open(alert, arrival, now, ttl, log);
      case 'refired':
        if (!observation.record.thread) return 'pending';
        await this.refired(alert, arrival, observation.record, observation.record.thread);
        return 'noted_refire';
      case 'resolved':
        if (!observation.record.thread) return 'pending';
        await this.resolved(alert, arrival, observation.record, observation.record.thread);
        return 'resolved';
      case 'repeat':
        return observation.record.thread ? 'repeat' : 'pending';
      case 'already_resolved':
      case 'unknown':
        return 'ignored_resolve';
    }
  }

  private async open(alert: Alert, arrival: Arrival, now: number, ttl: number, log: Logger): Promise<AlertOutcome> {
    const { org } = arrival;
    const address = addressOf(arrival);
    const windowMs = this.deps.settings.stormWindowSeconds * 1000;
    const windowKey = String(Math.floor(now / windowMs));
    if (!(await this.deps.storms.admit(org.id, windowKey, this.deps.settings.stormLimit, now, 2 * windowMs))) {
      await this.deps.threads.release(org.id, alert.fingerprint);
      await this.summarize(org.id, `${windowKey}:${address.platform}:${address.channelId}`, address, alert, now, 2 * windowMs);
      log.warn('alert storm: investigation suppressed');
      return 'suppressed';
    }
    let thread: AlertThread;
    try {
      thread = arrival.kind === 'webhook' ? await this.postParent(org.id, arrival.address, alert) : threadOf(arrival.message);
      await this.deps.threads.attach(org.id, alert.fingerprint, thread, now, ttl);
    } catch (error) {
      // Nothing was threaded: let the next delivery try again.
      await this.deps.threads.release(org.id, alert.fingerprint).catch(() => undefined);
      throw error;
    }
    await this.investigate(alert, arrival, thread, log);
    return 'investigated';
  }

  private async postParent(orgId: string, address: ChannelAddress, alert: Alert): Promise<AlertThread> {
    const posted = await this.chat(address.platform).post(orgId, address, alertParent(alert));
    return { ...threadOf(posted), parentMessageId: posted.messageId };
  }

  private async investigate(alert: Alert, arrival: Arrival, thread: AlertThread, log: Logger): Promise<void> {
    const chat = this.chat(thread.platform);
    const orgId = arrival.org.id;
    // A first word in the thread at once (an investigation takes seconds); the answer replaces it.
    const placeholder = await chat.post(orgId, addressOfThread(thread), investigatingNote(alert), thread.threadId)
      .catch((error: unknown) => {
        log.warn({ err: error }, 'could not post the investigating note; the answer will be posted instead');
        return undefined;
      });
    const context = await this.contextFor(arrival, thread);
    const reply = await this.deps.companion.handle({ context, intent: { kind: 'alert', alert } });
    if (placeholder) {
      try {
        await chat.update(orgId, placeholder, reply);
        log.info({ summary: reply.summary }, 'alert investigated');
        return;
      } catch (error) {
        log.warn({ err: error }, 'could not replace the investigating note; posting the answer as a new message');
      }
    }
    await chat.post(orgId, addressOfThread(thread), reply, thread.threadId);
    log.info({ summary: reply.summary }, 'alert investigated');
  }

  private async refired(alert: Alert, arrival: Arrival, record: AlertRecord, thread: AlertThread): Promise<void> {
    const chat = this.chat(thread.platform);
    await chat.post(arrival.org.id, addressOfThread(thread), firedAgainNote(alert, record), thread.threadId);
    // A parent that said "Resolved" says "Firing" again.
    if (thread.parentMessageId) await chat.update(arrival.org.id, parentOf(thread), alertParent(alert, record));
  }

  private async resolved(alert: Alert, arrival: Arrival, record: AlertRecord, thread: AlertThread): Promise<void> {
    const chat = this.chat(thread.platform);
    // The parent is ours only for webhook alerts; an integration's own message stays as it posted it.
    if (thread.parentMessageId) await chat.update(arrival.org.id, parentOf(thread), alertParent(alert, record));
    await chat.post(arrival.org.id, addressOfThread(thread), resolvedNote(alert), thread.threadId);
  }

  /** One summary message per window and channel, updated as more alerts are suppressed. */
  private async summarize(orgId: string, key: string, address: ChannelAddress, alert: Alert, now: number, ttl: number): Promise<void> {
    const { stormLimit, stormWindowSeconds } = this.deps.settings;
    const entry = { fingerprint: alert.fingerprint, line: stormLine(alert) };
    const summary = await this.deps.storms.suppress(orgId, key, entry, now, ttl);
    if (!summary.added) return;
    const chat = this.chat(address.platform);
    if (summary.first) {
      const posted = await chat.post(orgId, address, stormSummary(summary.entries, stormLimit, stormWindowSeconds));
      await this.deps.storms.setSummaryMessage(orgId, key, posted);
      // Entries added while the summary was being posted could not update it: catch up once.
      const latest = await this.deps.storms.suppress(orgId, key, entry, now, ttl);
      if (latest.entries.length > summary.entries.length) await chat.update(orgId, posted, stormSummary(latest.entries, stormLimit, stormWindowSeconds));
      return;
    }
    if (summary.message) await chat.update(orgId, summary.message, stormSummary(summary.entries, stormLimit, stormWindowSeconds));
  }

  /** The alert channel's context: its accounts and actions, the thread as the conversation. */
  private async contextFor(arrival: Arrival, thread: AlertThread): Promise<RequestContext> {
    const base: Omit<Inbound, 'workspace' | 'workspaceKey'> = {
      platform: thread.platform, channelId: thread.channelId, threadId: thread.threadId,
      source: arrival.kind === 'webhook' ? 'webhook' : 'alert',
      userId: arrival.kind === 'channel' ? arrival.inbound.userId : 'alerts-webhook',
      userName: arrival.kind === 'channel' ? (arrival.inbound.userName ?? 'alerting integration') : 'alert webhook',
    };
    if (arrival.kind === 'channel') {
      const resolution = await this.deps.companion.resolveContext({ ...arrival.inbound, ...base });
      if (resolution.ok) return resolution.context;
      throw new CompanionError('tenant_unknown', resolution.message);
    }
    const context = await this.deps.companion.contextForOrganization(arrival.org.id, base);
    if (!context) throw new CompanionError('tenant_unknown', `Organization "${arrival.org.id}" is gone.`);
    // The conversation key must be the adapter's, so a follow-up mention in the thread finds this history.
    return { ...context, conversation: { ...context.conversation, workspaceId: thread.workspaceKey, threadId: thread.threadId } };
  }

  private chat(platform: ChannelAddress['platform']) {
    const chat = this.deps.chat.get(platform);
    if (!chat) throw new CompanionError('input_invalid', `No ${platform} chat is configured on this bot.`, { hint: 'Configure the platform or point alerts.channel at one that is.' });
    return chat;
  }
}

function threadOf(message: PostedMessage): AlertThread {
  return { platform: message.platform, workspaceKey: message.workspaceKey, channelId: message.channelId, threadId: message.threadId };
}

function addressOf(arrival: Arrival): ChannelAddress {
  return arrival.kind === 'webhook' ? arrival.address : { platform: arrival.message.platform, channelId: arrival.message.channelId };
}

function addressOfThread(thread: AlertThread): ChannelAddress {
  return { platform: thread.platform, channelId: thread.channelId };
}

function parentOf(thread: AlertThread): PostedMessage {
  return { platform: thread.platform, channelId: thread.channelId, workspaceKey: thread.workspaceKey, messageId: thread.parentMessageId ?? thread.threadId, threadId: thread.threadId };
}

