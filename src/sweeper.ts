import type { Logger } from './logging.ts';

export interface Sweeper {
  stop(): void;
}

/**
 * Runs `sweep` at start (work left by a previous process: overdue verifications, stranded approvals,
 * queued alerts) and every `intervalMs` after, never two sweeps of one kind at once. The timer is
 * unref'd: it never holds a process open. A failing sweep is logged and retried at the next tick; the
 * work is stored. A sweep still running after `stuckAfterMs` (a call that never answered) no longer
 * blocks the next one: every item is claimed by a conditional write, so an overlap repeats no work.
 */
export function startSweeper(name: string, sweep: () => Promise<number>, logger: Logger, intervalMs: number, stuckAfterMs = Math.max(60_000, intervalMs * 10)): Sweeper {
  let runningSince: number | undefined;
  let generation = 0;
  const tick = async (): Promise<void> => {
    if (runningSince !== undefined) {
      if (Date.now() - runningSince < stuckAfterMs) return;
      logger.warn({ sweep: name, runningMs: Date.now() - runningSince }, 'previous sweep has not finished; starting another');
    }
    const mine = (generation += 1);
    runningSince = Date.now();
    try {
      await sweep();
    } catch (error) {
      logger.warn({ err: error, sweep: name }, 'sweep failed; retrying at the next interval');
    } finally {
      // A stuck sweep that finishes late must not clear the flag of the one that replaced it.
      if (mine === generation) runningSince = undefined;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
