import type { Logger } from './logging.ts';

/**
 * Work that runs after a platform was acknowledged (Slack's 3 s, Teams' turn). Tracked so shutdown
 * can wait for it and failures are logged instead of lost.
 */
export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  run(label: string, work: () => Promise<void>): void {
    const task = work()
      .catch((error: unknown) => {
        this.logger.error({ err: error, task: label }, 'background task failed');
      })
      .finally(() => {
        this.running.delete(task);
      });
    this.running.add(task);
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves when every task started so far has finished, or when the deadline passes. */
  async drain(deadlineMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + deadlineMs;
    while (this.running.size > 0 && Date.now() < deadline) {
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref());
      await Promise.race([Promise.allSettled([...this.running]), timeout]);
    }
    return this.running.size === 0;
  }
}
