import type { Logger } from './logging.ts';
import { serviceMetrics } from './observability/metrics.ts';
import { inSpan } from './observability/tracing.ts';

/** What a thread is told when shutdown cut its answer short (every chat surface says the same). */
export const interruptedText = ':warning: This investigation was interrupted because the bot is restarting. Please ask again in a minute.';

/** Tells the user their work was cut short (e.g. "interrupted by a restart, ask again"). */
export type InterruptNotice = () => Promise<unknown>;

interface Task {
  label: string;
  interrupted?: InterruptNotice;
}

/**
 * Work that runs after a platform was acknowledged (Slack's 3 s, Teams' turn). Tracked so shutdown
 * can wait for it, tell the threads it could not finish, and log failures instead of losing them.
 */
export class BackgroundWork {
  private readonly running = new Map<Promise<void>, Task>();

  constructor(private readonly logger: Logger) {}

  /** `label` is `surface.task` (e.g. `slack.command`); it names the answer-latency series. */
  run(label: string, work: () => Promise<void>, interrupted?: InterruptNotice): void {
    const [surface = label, kind = 'task'] = label.split('.', 2);
    const stop = serviceMetrics.answerLatency.startTimer({ surface, task: kind });
    serviceMetrics.inFlight.inc();
    // The root span of the work a platform handed over (e.g. slack.command): agent, tools and stores nest under it.
    const task = inSpan(label, { 'companion.surface': surface }, work)
      .then(() => {
        stop({ outcome: 'ok' });
      })
      .catch((error: unknown) => {
        stop({ outcome: 'error' });
        this.logger.error({ err: error, task: label }, 'background task failed');
      })
      .finally(() => {
        serviceMetrics.inFlight.dec();
        this.running.delete(task);
      });
    this.running.set(task, { label, ...(interrupted ? { interrupted } : {}) });
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves when every task started so far has finished, or when the deadline passes. */
  async drain(deadlineMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + deadlineMs;
    while (this.running.size > 0 && Date.now() < deadline) {
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref());
      await Promise.race([Promise.allSettled([...this.running.keys()]), timeout]);
    }
    return this.running.size === 0;
  }

  /**
   * After a drain that ran out of time: tells every unfinished task's thread it was interrupted, so
   * nobody waits for an answer that will not come. Returns how many were told.
   */
  async interruptRemaining(timeoutMs = 5_000): Promise<number> {
    const tasks = [...this.running.values()];
    this.logger.warn({ tasks: tasks.map((t) => t.label) }, 'shutdown deadline passed; interrupting unfinished work');
    const notices = tasks.flatMap((t) => (t.interrupted ? [t] : [])).map(async (t) => {
      try {
        await withTimeout(t.interrupted?.(), timeoutMs);
        return true;
      } catch (error) {
        this.logger.error({ err: error, task: t.label }, 'could not post the interrupted note');
        return false;
      }
    });
    return (await Promise.all(notices)).filter(Boolean).length;
  }
}

async function withTimeout(work: Promise<unknown> | undefined, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    })]);
  } finally {
    clearTimeout(timer);
  }
}
