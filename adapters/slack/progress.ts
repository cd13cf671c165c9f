import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { ProgressEvent } from '../../src/agent/progress.ts';
import type { Logger } from '../../src/logging.ts';
import { escapeMrkdwn, truncate } from './mrkdwn.ts';
import { renderReply, type SlackMessage } from './render.ts';

/** Slack allows about one chat.update per second per message before it rate-limits. */
export const progressIntervalMs = 1000;
const maxStepsShown = 5;

/** What the placeholder says while a planner tool runs (the agent sends its own labels). */
export function stepLabel(toolName: string): string {
  switch (toolName) {
    case 'find_resources':
      return 'Finding the resources you named';
    case 'get_dependencies':
      return 'Walking dependencies and the blast radius';
    case 'get_metrics':
      return 'Reading metrics';
    case 'search_runbooks':
    case 'get_runbook':
      return 'Searching runbooks';
    case 'propose_action':
      return 'Preparing an approval request';
    case 'list_pending_approvals':
      return 'Listing pending approvals';
    case 'get_diagram':
      return 'Drawing the diagram';
    case 'similar_resources':
      return 'Looking for similar names';
    default:
      return `Running ${toolName}`;
  }
}

export const placeholderText = ':hourglass_flowing_sand: Looking into it…';

/**
 * The "working on it" message in a thread: shows the steps as tools run, then the evidence when the
 * agent has it, updated at most once per interval (later states replace pending ones), until
 * `finish` hands the message over for the answer.
 */
export class ThreadProgress {
  private evidence?: SlackMessage;
  private readonly steps: string[] = [];
  private lastUpdate: number;
  private timer?: NodeJS.Timeout;
  private inFlight: Promise<void> = Promise.resolve();
  private finished = false;

  constructor(
    private readonly client: WebClient,
    readonly channel: string,
    readonly ts: string,
    private readonly log: Logger,
    private readonly intervalMs = progressIntervalMs,
  ) {
    // The placeholder post itself counts as the first update.
    this.lastUpdate = Date.now();
  }

  onToolStart = (toolName: string): void => {
    this.step(stepLabel(toolName));
  };

  onProgress = (event: ProgressEvent): void => {
    switch (event.kind) {
      case 'evidence':
        this.evidence = renderReply(event.reply);
        this.schedule();
        return;
      case 'tool_started':
        this.step(event.label);
        return;
      case 'tool_finished':
        this.step(`${event.label} ${event.ok ? '✓' : '(failed)'}`);
        return;
      case 'answer':
        return;
    }
  };

  /** Stops further progress updates and waits for the one in flight, so the answer lands last. */
  async finish(): Promise<void> {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private step(label: string): void {
    this.steps.push(label);
    if (this.steps.length > maxStepsShown) this.steps.splice(0, this.steps.length - maxStepsShown);
    this.schedule();
  }

  private schedule(): void {
    if (this.finished || this.timer) return;
    const wait = Math.max(0, this.lastUpdate + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.finished) return;
    this.lastUpdate = Date.now();
    const message = this.message();
    this.inFlight = this.inFlight
      .then(async () => {
        await this.client.chat.update({ channel: this.channel, ts: this.ts, text: message.text, blocks: message.blocks });
      })
      .catch((error: unknown) => this.log.warn({ err: error, channel: this.channel }, 'progress update failed'));
  }

  private message(): SlackMessage {
    const steps: KnownBlock = {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate(this.steps.map((s) => `:gear: ${escapeMrkdwn(s)}`).join('\n') || placeholderText, 3000) }],
    };
    if (this.evidence) {
      // Evidence first; the agent's steps below it, while the model works on the answer.
      return { text: this.evidence.text, blocks: [...this.evidence.blocks.slice(0, 48), steps] };
    }
    return { text: this.steps.at(-1) ? `${this.steps.at(-1)}…` : placeholderText, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: placeholderText } }, steps] };
  }
}
