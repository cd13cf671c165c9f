import type { Logger } from './logging.ts';

export interface Sweeper {
  stop(): void;
}

/**
 * Runs `sweep` at start (work left by a previous process: overdue verifications, queued alerts) and
 * every `intervalMs` after, never two sweeps of one kind at once. The timer is unref'd: it never
 * holds a process open. A failing sweep is logged and retried at the next tick; the work is stored.
 */
export function startSweeper(name: string, sweep: () => Promise<number>, logger: Logger, intervalMs: number): Sweeper {
  let running = false;
  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      await sweep();
    } catch (error) {
      logger.warn({ err: error, sweep: name }, 'sweep failed; retrying at the next interval');
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
