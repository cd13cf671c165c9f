import type { Logger } from '../logging.ts';

export interface Sweepable {
  sweepVerifications(): Promise<number>;
}

export interface Sweeper {
  stop(): void;
}

/**
 * Runs overdue verifications at start (their timers died with the previous process) and every
 * `intervalMs` after, never two sweeps at once. The timer is unref'd: it never holds a process open.
 */
export function startVerificationSweeper(approvals: Sweepable, logger: Logger, intervalMs: number): Sweeper {
  let running = false;
  const sweep = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      await approvals.sweepVerifications();
    } catch (error) {
      // A store that is down now is retried at the next tick; nothing is lost, the due time is stored.
      logger.warn({ err: error }, 'verification sweep failed; retrying at the next interval');
    } finally {
      running = false;
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
